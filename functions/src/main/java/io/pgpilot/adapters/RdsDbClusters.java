package io.pgpilot.adapters;

import io.pgpilot.core.ports.DbCluster;
import io.pgpilot.core.ports.DbClusters;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBCluster;
import software.amazon.awssdk.services.rds.model.DBInstance;
import software.amazon.awssdk.services.rds.model.Filter;

/**
 * Aurora PostgreSQL mode: the writer and readers of a DB cluster, and FailoverDBCluster to the
 * reader the workflow chose. Aurora keeps the storage in one volume, so there is nothing to
 * fence or re-point; pgpool follows the cluster and reader endpoints.
 *
 * <p>One describe is two calls: DescribeDBClusters for the members and endpoints, and
 * DescribeDBInstances (filtered by db-cluster-id) for each member's status and zone, which the
 * cluster's member list does not carry.
 */
public final class RdsDbClusters implements DbClusters {


    private final RdsClient rds;

    public RdsDbClusters() {
        this(AwsClients.fromEnvironment(RdsClient.builder()));
    }

    public RdsDbClusters(RdsClient rds) {
        this.rds = rds;
    }

    @Override
    public DbCluster describe(String clusterId) {
        AwsClients.requireText(clusterId, "DB cluster identifier");
        List<DBCluster> clusters = rds.describeDBClusters(r -> r.dbClusterIdentifier(clusterId)).dbClusters();
        if (clusters.size() != 1) {
            throw new IllegalStateException("DescribeDBClusters for " + clusterId + " returned " + clusters.size()
                    + " clusters; expected exactly one");
        }
        DBCluster cluster = clusters.get(0);
        Map<String, DBInstance> instances = new HashMap<>();
        rds.describeDBInstancesPaginator(r -> r.filters(Filter.builder().name("db-cluster-id").values(clusterId)
                        .build()))
                .dbInstances().forEach(i -> instances.put(i.dbInstanceIdentifier(), i));
        return new DbCluster(cluster.dbClusterIdentifier(), cluster.status(), cluster.endpoint(),
                cluster.readerEndpoint(), cluster.dbClusterMembers().stream()
                        .map(m -> {
                            DBInstance instance = instances.get(m.dbInstanceIdentifier());
                            return new DbCluster.Member(m.dbInstanceIdentifier(), Boolean.TRUE.equals(m.isClusterWriter()),
                                    m.promotionTier() == null ? 1 : m.promotionTier(),
                                    instance == null ? null : instance.dbInstanceStatus(),
                                    instance == null ? null : instance.availabilityZone());
                        })
                        .toList());
    }

    /**
     * Starts a failover to {@code targetInstanceId}. Aurora switches asynchronously (typically
     * within a minute): poll {@link #describe} until it is the writer.
     */
    @Override
    public void failover(String clusterId, String targetInstanceId) {
        AwsClients.requireText(clusterId, "DB cluster identifier");
        AwsClients.requireText(targetInstanceId, "target DB instance identifier");
        rds.failoverDBCluster(r -> r.dbClusterIdentifier(clusterId).targetDBInstanceIdentifier(targetInstanceId));
    }
}

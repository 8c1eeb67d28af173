package io.pgpilot.adapters;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
public final class AuroraClusters implements DbClusters {

    /** An instance that DescribeDBInstances did not list (created or deleted between the two calls). */
    public static final String UNKNOWN_STATUS = "unknown";

    /**
     * One DB instance of the cluster; a lower promotion tier is Aurora's own preference.
     *
     * @param status           DBInstanceStatus: available, failed, rebooting...; {@link #UNKNOWN_STATUS} when not listed
     * @param availabilityZone null when unknown
     */
    public record Member(String instanceId, boolean writer, int promotionTier, String status,
                         String availabilityZone) {

        public Member {
            AwsClients.requireText(instanceId, "DB instance identifier of a cluster member");
            status = status == null || status.isBlank() ? UNKNOWN_STATUS : status;
        }
    }

    public record Cluster(String id, String status, String endpoint, String readerEndpoint, List<Member> members) {

        public Cluster {
            members = List.copyOf(members);
        }

        public Optional<Member> writer() {
            return members.stream().filter(Member::writer).findFirst();
        }

        public List<Member> readers() {
            return members.stream().filter(m -> !m.writer()).toList();
        }
    }

    private final RdsClient rds;

    public AuroraClusters() {
        this(AwsClients.fromEnvironment(RdsClient.builder()));
    }

    public AuroraClusters(RdsClient rds) {
        this.rds = rds;
    }

    @Override
    public Cluster describe(String clusterId) {
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
        return new Cluster(cluster.dbClusterIdentifier(), cluster.status(), cluster.endpoint(),
                cluster.readerEndpoint(), cluster.dbClusterMembers().stream()
                        .map(m -> {
                            DBInstance instance = instances.get(m.dbInstanceIdentifier());
                            return new Member(m.dbInstanceIdentifier(), Boolean.TRUE.equals(m.isClusterWriter()),
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

package io.pgpilot.adapters;

import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBCluster;

/**
 * Aurora PostgreSQL mode: the writer and readers of a DB cluster, and FailoverDBCluster to the
 * reader the workflow chose. Aurora keeps the storage in one volume, so there is nothing to
 * fence or re-point; pgpool follows the cluster and reader endpoints.
 */
public final class AuroraClusters {

    /** One DB instance of the cluster; a lower promotion tier is Aurora's own preference. */
    public record Member(String instanceId, boolean writer, int promotionTier) {
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

    public Cluster describe(String clusterId) {
        AwsClients.requireText(clusterId, "DB cluster identifier");
        List<DBCluster> clusters = rds.describeDBClusters(r -> r.dbClusterIdentifier(clusterId)).dbClusters();
        if (clusters.size() != 1) {
            throw new IllegalStateException("DescribeDBClusters for " + clusterId + " returned " + clusters.size()
                    + " clusters; expected exactly one");
        }
        DBCluster cluster = clusters.get(0);
        return new Cluster(cluster.dbClusterIdentifier(), cluster.status(), cluster.endpoint(),
                cluster.readerEndpoint(), cluster.dbClusterMembers().stream()
                        .map(m -> new Member(m.dbInstanceIdentifier(), Boolean.TRUE.equals(m.isClusterWriter()),
                                m.promotionTier() == null ? 1 : m.promotionTier()))
                        .toList());
    }

    /**
     * Starts a failover to {@code targetInstanceId}. Aurora switches asynchronously (typically
     * within a minute): poll {@link #describe} until it is the writer.
     */
    public void failover(String clusterId, String targetInstanceId) {
        AwsClients.requireText(clusterId, "DB cluster identifier");
        AwsClients.requireText(targetInstanceId, "target DB instance identifier");
        rds.failoverDBCluster(r -> r.dbClusterIdentifier(clusterId).targetDBInstanceIdentifier(targetInstanceId));
    }
}

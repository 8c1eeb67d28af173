package io.pgpilot.adapters;

/** Aurora DB clusters: the workflow's view of {@link AuroraClusters}. */
public interface DbClusters {

    /** The cluster, its endpoints and every member with its status and zone. */
    AuroraClusters.Cluster describe(String clusterId);

    /** Starts FailoverDBCluster to {@code targetInstanceId}; Aurora switches asynchronously. */
    void failover(String clusterId, String targetInstanceId);
}

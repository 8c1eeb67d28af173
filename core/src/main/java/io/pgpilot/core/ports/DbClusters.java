package io.pgpilot.core.ports;

/** Aurora DB clusters: implemented by the adapter RdsDbClusters. */
public interface DbClusters {

    /** The cluster, its endpoints and every member with its status and zone. */
    DbCluster describe(String clusterId);

    /** Starts FailoverDBCluster to {@code targetInstanceId}; Aurora switches asynchronously. */
    void failover(String clusterId, String targetInstanceId);
}

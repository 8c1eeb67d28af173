package io.pgpilot.core.ports;

import io.pgpilot.core.Ec2State;
import io.pgpilot.core.Role;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The cluster's EC2 instances: what a run reads to build its topology, and how it fences and retags. */
public interface Instances {

    /** Tag keys pgpilot writes on every instance it manages. */
    String CLUSTER_TAG = "pgpilot:cluster";
    String NAME_TAG = "pgpilot:name";
    String ROLE_TAG = "pgpilot:role";
    /** The Debian cluster name of a database host (pg_lsclusters); "main" when absent. */
    String PGCLUSTER_TAG = "pgpilot:pgcluster";
    /** The node a standby streams from when its upstream is in service. */
    String UPSTREAM_TAG = "pgpilot:upstream";
    /** "true" on the preferred synchronous standby. */
    String SYNC_TAG = "pgpilot:sync";

    /** Every instance tagged with the cluster, whatever its state (a terminated one stays listed for about an hour). */
    List<Instance> describe(String cluster);

    /**
     * Every tag of one instance, whatever its cluster; empty when EC2 knows no such instance.
     * Only to explain why an event about an instance outside the cluster is ignored.
     */
    Optional<Map<String, String>> tagsOf(String instanceId);

    /**
     * Stops the instances (the fence: a stopped instance cannot write). {@code force} skips the
     * guest's orderly shutdown, for an instance whose stop hangs. Returns each instance's state as
     * EC2 reports it right after the call, by instance id.
     */
    Map<String, Ec2State> stop(List<String> instanceIds, boolean force);

    /**
     * Writes pgpilot:role on each instance, one instance at a time in the map's order: the
     * caller lists demotions first and the promotion last, so an interrupted retag never leaves
     * two instances tagged primary.
     */
    void retag(Map<String, Role> rolesByInstanceId);
}

package io.pgpilot.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Every request's planner for a cluster of PostgreSQL nodes on EC2, one entry point: what the
 * plan runner asks, at each look of a run. Pure, like the planners behind it.
 */
public final class ClusterPlanner {

    private final FailoverPolicy policy;
    private final FailoverPlanner failover;
    private final FailoverPlanner forced;
    private final SwitchoverPlanner switchover;
    private final RejoinPlanner rejoin;

    public ClusterPlanner(FailoverPolicy policy) {
        this.policy = Checks.notNull(policy, "failover policy");
        this.failover = new FailoverPlanner(policy);
        this.forced = new FailoverPlanner(policy.forced());
        this.switchover = new SwitchoverPlanner(failover);
        this.rejoin = new RejoinPlanner(failover, policy);
    }

    /**
     * What to do about {@code request}, from the cluster as {@code topology} and {@code observation}
     * show it now and what the run has done so far.
     */
    public Decision decide(Request request, Topology topology, ClusterObservation observation, RunSoFar run) {
        Checks.notNull(request, "request");
        if (request instanceof Request.Failover f) {
            return (f.forced() ? forced : failover).decide(topology, observation);
        } else if (request instanceof Request.Switchover s) {
            return switchover.decide(s.target(), topology, observation, run);
        } else if (request instanceof Request.Rejoin r) {
            return rejoin.decide(r.node(), topology, observation, run);
        }
        return publish(topology);
    }

    /**
     * The nodes out of service whose rejoin is pending (tagged rebuild, running, neither streaming
     * nor writable): what the monitor rejoins unless a rebuild of one is still running.
     */
    public List<String> awaitingRejoin(Topology topology, ClusterObservation observation) {
        return RejoinPlanner.awaiting(topology, observation, policy);
    }

    private Decision publish(Topology topology) {
        String primary = topology.primary().map(Topology.Node::name).orElse(null);
        if (primary == null) {
            return new Refusal("no node is tagged primary, so there is no hosts map to publish; the failover"
                    + " workflow completes the transition that left none");
        }
        return new Plan(primary, publishHosts(topology, primary, policy), "published the hosts map of cluster "
                + topology.cluster() + " with primary " + primary);
    }

    /** The hosts map of the tags, with {@code primary} as pg-primary, to every host; and the DNS record. */
    static List<Step> publishHosts(Topology topology, String primary, FailoverPolicy policy) {
        List<Step> steps = new ArrayList<>();
        steps.add(new Step.PublishHosts(topology.hostsMap(primary)));
        if (policy.dnsRecordName() != null) {
            steps.add(new Step.UpdateDnsRecord(policy.dnsRecordName(), topology.node(primary).address()));
        }
        return steps;
    }
}

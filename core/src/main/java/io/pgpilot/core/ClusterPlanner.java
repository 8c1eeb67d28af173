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
        } else if (request instanceof Request.Reported r) {
            return reported(r, topology, observation);
        } else if (request instanceof Request.Backup b) {
            return BackupPlanner.decide(b, topology, observation);
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

    /**
     * A sensor's report of {@code report.node()} down: the failover decision as the monitor would
     * make it, from the same probe rounds, acted on as it is when it acts (a confirmed failure, a
     * lost standby) or refuses for a reason of its own. When it would not act because nothing failed,
     * or because the reported node's failure is not confirmed and it lives now (it answers the
     * latest round, or a standby streams from it then), the report was pgpool's alone: a blip between that pgpool and the node. Then every pgpool re-attaches the node once it can reach it
     * again (pgpool detached it on its own word and would keep it detached), and the reason says
     * so. A node out of service (tagged rebuild, or excluded) stays detached.
     */
    private Decision reported(Request.Reported report, Topology topology, ClusterObservation observation) {
        Decision decision = failover.decide(topology, observation);
        String node = report.node();
        String primary = decision instanceof Plan plan ? plan.primary()
                : topology.primary().map(Topology.Node::name).orElse(null);
        // A refusal is about the tagged primary's failover: one about another node stands as it is.
        boolean stands = decision instanceof Plan plan ? !plan.isNoOp()
                : ((Refusal) decision).failure() || !node.equals(primary);
        if (stands || primary == null || !topology.names().contains(node)) {
            return decision;
        }
        ClusterView view = new ClusterView(topology, observation, policy.confirmationProbes());
        String heard = report.reportedBy() + " reported " + node + " down";
        String excluded = view.excluded(node);
        Role tag = view.tag(node);
        if (excluded != null || tag != Role.PRIMARY && tag != Role.STANDBY) {
            String why = heard + ", which is out of service (" + (excluded != null ? excluded
                    : "tagged " + tag.tag()) + "): pgpool keeps it detached; ";
            return decision instanceof Plan plan ? new Plan(primary, plan.steps(), why + plan.reason(), plan.alerts())
                    : new Refusal(why + decision.reason(), decision.alerts());
        }
        ClusterView.Verdict verdict = view.down(node);
        boolean answers = view.now(node).reachable();
        // A node that does not answer now and that no standby streams from now looks down: it stays
        // detached, unconfirmed, until a look confirms its failure (a crash during the rounds) or not.
        if (verdict.down() || answers && !(decision instanceof Plan) || !answers && !view.streamedFromNow(node)) {
            return decision;  // nothing pgpool's view changes: the decision stands as the monitor's would
        }
        String seen = answers
                ? "pgpilot finds it alive: it answered in the latest of " + observation.rounds().size() + " probe rounds"
                : "it did not answer pgpilot's latest probe round, but " + verdict.why();
        List<String> standbys = topology.names().stream()
                .filter(n -> !n.equals(primary) && view.tag(n) == Role.STANDBY && view.excluded(n) == null).toList();
        return new Plan(primary, List.of(new Step.SetPgpoolBackends(primary, standbys, node)), heard + "; " + seen
                + ": no failover (" + decision.reason() + "); a blip between that pgpool and " + node + ", so every"
                + " pgpool re-attaches " + node + " once it can reach it again", decision.alerts());
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

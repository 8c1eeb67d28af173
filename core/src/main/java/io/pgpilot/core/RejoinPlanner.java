package io.pgpilot.core;

import java.util.ArrayList;
import java.util.List;

/**
 * A node out of service (tagged rebuild: an old primary, a lost standby) whose instance runs
 * again rejoins as a standby of the primary: every host gets the hosts map first (its own still
 * names it primary), then its fence is lifted and it is rebuilt, pg_rewind first; then the
 * cluster converges (synchronous standbys, pgpool, tags). A rebuild that does not end with it
 * streaming leaves it fenced: the run fails, and it stays tagged rebuild. A rebuild still running
 * when the run stops waiting (a base backup of a large database) is left to run, unfenced: the
 * node stays tagged rebuild, and the monitor finishes the rejoin ({@link #awaiting}).
 */
final class RejoinPlanner {

    private final FailoverPlanner converge;
    private final FailoverPolicy policy;

    RejoinPlanner(FailoverPlanner converge, FailoverPolicy policy) {
        this.converge = converge;
        this.policy = policy;
    }

    Decision decide(String node, Topology topology, ClusterObservation observation, RunSoFar run) {
        String primary = topology.primary().map(Topology.Node::name).orElse(null);
        StepResult last = run.last(s -> true);
        StepResult rebuild = run.last(s -> s instanceof Step.RebuildStandby r && r.node().equals(node));
        if (rebuild != null && rebuild.status() == StepResult.Status.STARTED) {
            return new Plan(primary, List.of(), node + " is still being rebuilt as a standby of " + primary + ": "
                    + rebuild.detail());
        }
        if (rebuild != null && rebuild.status() != StepResult.Status.DONE) {
            // Whether it was fenced again is the rebuild's detail to say: not when the run lost its lease.
            return Refusal.failure(node + " did not rejoin as a standby of " + primary + ": " + rebuild.detail()
                    + "; it stays tagged rebuild");
        }
        if (last != null && last.failed()) {
            return Refusal.failure("the rejoin of " + node + " stopped: " + last.detail());
        }
        if (primary == null) {
            return new Refusal(node + " runs again, but no node is tagged primary, so there is no hosts map to"
                    + " publish; the failover workflow completes the transition that left none");
        }
        if (rebuild == null) {
            if (topology.node(node).role() != Role.REBUILD) {
                return new Refusal(node + " is tagged " + topology.node(node).role().tag() + ", not rebuild: it is"
                        + " in service, nothing to rejoin");
            }
            List<Step> steps = new ArrayList<>(ClusterPlanner.publishHosts(topology, primary, policy));
            steps.add(new Step.Unfence(node));
            steps.add(new Step.RebuildStandby(node, primary, true));
            return new Plan(primary, steps, node + " runs again: every host gets the hosts map (its own still names it"
                    + " primary), then it rejoins as a standby of " + primary);
        }
        Decision converged = converge.decide(topology, observation);
        if (converged instanceof Plan plan && plan.isNoOp()) {
            return new Plan(primary, List.of(), node + " rejoined as a standby of " + primary + ". " + plan.reason());
        }
        return converged;
    }

    /**
     * The nodes a rejoin is pending for, which the monitor rejoins: tagged rebuild, their instance
     * running, neither streaming (one that streams is back in service: the failover planner's
     * convergence retags it) nor writable (an old primary come back: the failover planner fences
     * it), nor excluded (pgpilot rebuilds no node it does not believe). Whether a rebuild of one
     * is already running is not observed here: the caller asks SSM.
     */
    static List<String> awaiting(Topology topology, ClusterObservation observation, FailoverPolicy policy) {
        ClusterView view = new ClusterView(topology, observation, policy.confirmationProbes());
        return topology.names().stream()
                .filter(node -> view.tag(node) == Role.REBUILD && view.ec2(node) == Ec2State.RUNNING
                        && view.excluded(node) == null)
                .filter(node -> !view.now(node).writable() && !(view.now(node).standby()
                        && view.now(node).walReceiver() == WalReceiverStatus.STREAMING))
                .toList();
    }
}

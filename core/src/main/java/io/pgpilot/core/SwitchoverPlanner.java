package io.pgpilot.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A planned switchover to a named standby, with no acknowledged commit lost, decided afresh at
 * each look of the run (the run so far says where it stands):
 * <ol>
 *   <li>before the switch: the tagged primary accepts writes and the target is a standby in
 *       service streaming on its timeline; a cascaded target is re-pointed to the primary, whose
 *       synchronous_standby_names becomes the target alone, so that from then on every
 *       acknowledged commit is on the target (writes wait for it: the window is seconds); the
 *       target catches up, bounded; then the old primary is fenced (PostgreSQL stopped at once),
 *       the target promoted and the old primary tagged rebuild;</li>
 *   <li>a step before the fence failed: the synchronous setting is put back and the switchover is
 *       refused (the target could not catch up) or failed (a command failed), the old primary
 *       keeping its role;</li>
 *   <li>after the switch: converge on the new primary as the failover planner does; rejoin the
 *       old primary as a standby of the new one (pg_rewind); converge again. An old primary that
 *       cannot rejoin stays fenced and tagged rebuild, and is told about; the switchover stands. One
 *       whose rebuild still runs when the run stops waiting stays tagged rebuild, unfenced, and the
 *       monitor finishes its rejoin.</li>
 * </ol>
 * With the target as the only synchronous standby, the immediate stop loses no acknowledged
 * commit, and pg_rewind discards what the old primary wrote but never acknowledged.
 */
final class SwitchoverPlanner {

    private final FailoverPlanner converge;

    SwitchoverPlanner(FailoverPlanner converge) {
        this.converge = converge;
    }

    Decision decide(String target, Topology topology, ClusterObservation observation, RunSoFar run) {
        String old = run.topology().primary().map(Topology.Node::name).orElse(null);
        boolean switched = run.done(s -> s instanceof Step.Promote p && p.node().equals(target));
        return switched ? afterSwitch(old, target, topology, observation, run)
                : beforeSwitch(old, target, topology, observation, run);
    }

    private Decision beforeSwitch(String old, String target, Topology topology, ClusterObservation observation,
                                  RunSoFar run) {
        StepResult failed = run.lastFailure();
        if (failed != null) {
            return recover(old, target, observation, run, failed);
        }
        Optional<String> refusal = check(topology, observation, old, target);
        if (refusal.isPresent()) {
            if (target.equals(old) && observation.latest().node(old).writable()) {
                return new Plan(old, List.of(), target + " already is the primary (timeline "
                        + observation.latest().node(old).timeline() + "): nothing to switch");
            }
            return new Refusal("no switchover to " + target + ": " + refusal.get());
        }
        NodeObservation primary = observation.latest().node(old);
        NodeObservation candidate = observation.latest().node(target);
        List<Step> steps = new ArrayList<>();
        if (!old.equals(candidate.upstream())) {
            steps.add(new Step.Repoint(target, old));
        }
        if (!primary.syncStandbys().equals(List.of(target))) {
            steps.add(new Step.SetSyncStandbys(old, List.of(target)));
        }
        steps.add(new Step.AwaitCatchUp(target, old));
        steps.add(new Step.Fence(old, Step.Fence.How.STOP_POSTGRES));
        steps.add(new Step.Promote(target));
        steps.add(new Step.RetagInstances(Map.of(old, Role.REBUILD)));
        return new Plan(target, steps, "switching over from " + old + " to " + target + ": " + target
                + " becomes " + old + "'s only synchronous standby and catches up, then " + old + " is fenced and "
                + target + " promoted");
    }

    /** A step before the switch failed: put the synchronous setting back, then refuse (or fail). */
    private static Decision recover(String old, String target, ClusterObservation observation, RunSoFar run,
                                    StepResult failed) {
        List<String> before = run.first().latest().node(old).syncStandbys();
        NodeObservation now = observation.latest().node(old);
        if (now.writable() && !now.syncStandbys().equals(before) && !(failed.step() instanceof Step.SetSyncStandbys)) {
            return new Plan(old, List.of(new Step.SetSyncStandbys(old, before)), "the switchover to " + target
                    + " stopped: " + failed.detail() + "; putting synchronous_standby_names of " + old + " back");
        }
        StepResult repointed = run.last(s -> s instanceof Step.Repoint r && r.node().equals(target));
        String undo = repointed == null || repointed.failed() ? ""
                : "; " + target + " now streams from " + old + " (was " + run.first().latest().node(target).upstream()
                        + "); the next run returns it to its configured upstream";
        if (failed.step() instanceof Step.AwaitCatchUp) {
            return new Refusal("no switchover to " + target + ": " + failed.detail() + "; nothing was switched and "
                    + old + " remains the primary" + undo);
        }
        if (failed.step() instanceof Step.Repoint || failed.step() instanceof Step.SetSyncStandbys) {
            return Refusal.failure("switchover to " + target + " not started: " + failed.detail() + "; " + old
                    + " remains the primary" + undo);
        }
        return Refusal.failure("switchover from " + old + " to " + target + " failed: " + failed.detail()
                + "; the cluster may have no primary until the next run fails over");
    }

    private Decision afterSwitch(String old, String target, Topology topology, ClusterObservation observation,
                                 RunSoFar run) {
        if (topology.node(old).role() == Role.PRIMARY) {
            // The switch's own last step: pgpilot fenced it, so no instance needs stopping.
            return new Plan(target, List.of(new Step.RetagInstances(Map.of(old, Role.REBUILD))), old
                    + " was fenced and " + target + " promoted: recording that " + old + " is out of service");
        }
        Decision converged = converge.decide(topology, observation, "switchover from " + old + " to " + target);
        if (converged instanceof Refusal refusal) {
            return Refusal.failure("after the switch the planner refuses to converge: " + refusal.reason());
        }
        if (!((Plan) converged).isNoOp()) {
            return converged;
        }
        StepResult rebuild = run.last(s -> s instanceof Step.RebuildStandby r && r.node().equals(old));
        boolean running = observation.ec2State(old) == Ec2State.RUNNING;
        if (rebuild == null && topology.node(old).role() == Role.REBUILD && running) {
            return new Plan(target, List.of(new Step.Unfence(old), new Step.RebuildStandby(old, target, true)),
                    "rejoining " + old + " as a standby of " + target + " (pg_rewind, else a base backup)");
        }
        String cluster = topology.cluster();
        boolean stillRunning = rebuild != null && rebuild.status() == StepResult.Status.STARTED;
        if (rebuild != null && rebuild.status() != StepResult.Status.DONE && !stillRunning
                && !run.done(s -> s instanceof Step.Notify n && n.subject().contains(old + " did not rejoin"))) {
            return new Plan(target, List.of(new Step.Notify("pgpilot " + cluster + ": " + old + " did not rejoin after"
                    + " the switchover to " + target, old + " did not rejoin as a standby of " + target + ": "
                    + rebuild.detail() + ". It stays fenced and tagged rebuild. To rejoin it: " + new ClusterNames(cluster).document("pgpilot-FenceNode")
                    + " action=unfence, then " + new ClusterNames(cluster).document("pgpilot-RebuildStandby")
                    + " upstreamHost=" + target + " rewind=true.")),
                    "telling that " + old + " did not rejoin");
        }
        String rejoined = rebuild == null ? old + " was not rejoined: its instance is "
                + observation.ec2State(old).awsName()
                : rebuild.status() == StepResult.Status.DONE ? old + " rejoined as a standby of " + target
                : stillRunning ? old + " is still being rebuilt: " + rebuild.detail()
                : old + " did not rejoin: " + rebuild.detail() + "; it stays fenced and tagged rebuild";
        return new Plan(target, List.of(), "switched over from " + old + " to " + target + " with no acknowledged"
                + " commit lost; " + rejoined + ". " + converged.reason());
    }

    /** Why a switchover to {@code target} may not start; empty when it may. */
    private static Optional<String> check(Topology topology, ClusterObservation observation, String old,
                                          String target) {
        if (!topology.names().contains(target)) {
            return Optional.of(target + " is not a database node of cluster " + topology.cluster() + " (nodes: "
                    + topology.names() + ")");
        }
        if (old == null) {
            return Optional.of("no node is tagged primary, so there is no primary to switch from");
        }
        if (target.equals(old)) {
            return Optional.of(target + " is already the tagged primary");
        }
        NodeObservation primary = observation.latest().node(old);
        if (!primary.writable()) {
            return Optional.of("the primary " + old + " does not accept writes (" + (primary.reachable() ? "in recovery"
                    : "unreachable") + "): a switchover needs a healthy primary; a failed one is failed over");
        }
        if (topology.node(target).role() != Role.STANDBY) {
            return Optional.of(target + " is tagged " + topology.node(target).role().tag() + ", not standby");
        }
        NodeObservation standby = observation.latest().node(target);
        if (!standby.standby()) {
            return Optional.of(target + " is " + (standby.reachable() ? "not in recovery" : "unreachable"));
        }
        if (standby.walReceiver() != WalReceiverStatus.STREAMING) {
            return Optional.of(target + "'s WAL receiver is "
                    + standby.walReceiver().name().toLowerCase(java.util.Locale.ROOT) + ", not streaming");
        }
        if (standby.timeline() != primary.timeline()) {
            return Optional.of(target + " is on timeline " + standby.timeline() + ", the primary on "
                    + primary.timeline());
        }
        return Optional.empty();
    }
}

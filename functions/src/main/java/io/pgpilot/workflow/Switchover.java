package io.pgpilot.workflow;

import io.pgpilot.core.ClusterObservation;
import io.pgpilot.core.FailoverPlanner;
import io.pgpilot.core.NodeObservation;
import io.pgpilot.core.Role;
import io.pgpilot.core.Step;
import io.pgpilot.core.Topology;
import io.pgpilot.core.WalReceiverStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A planned switchover to a named standby, with no acknowledged commit lost:
 * <ol>
 *   <li>check: the tagged primary accepts writes; the target is a standby in service that streams on
 *       the primary's timeline;</li>
 *   <li>prepare: a cascaded target is re-pointed to the primary, and the primary's
 *       synchronous_standby_names becomes the target alone, so from then on every acknowledged
 *       commit is on the target (writes wait for it: the window is seconds);</li>
 *   <li>catch up (bounded): wait until the target has replayed everything the primary had written;
 *       if it cannot, undo the synchronous setting and refuse, having changed nothing else;</li>
 *   <li>fence the old primary (pgpilot-FenceNode), promote the target (verified writable), tag the
 *       old primary rebuild;</li>
 *   <li>converge with the planner: re-point the others, synchronous standbys, hosts, DNS, pgpool,
 *       notification, tags;</li>
 *   <li>rejoin the old primary as a standby of the new one (unfence, pgpilot-RebuildStandby with
 *       rewind=true, verified streaming) and converge again, which tags it standby. If it cannot
 *       rejoin it is fenced again and stays tagged rebuild; the switchover itself stands.</li>
 * </ol>
 * The fence stops PostgreSQL at once (pg_ctl immediate) because that is what pgpilot-FenceNode
 * does; with the target as the only synchronous standby that loses no acknowledged commit, and
 * pg_rewind discards what the old primary wrote but never acknowledged.
 */
public final class Switchover {

    static final String CATCH_UP = "catchup";
    static final String REJOIN = "rejoin";

    private final FailoverWorkflow workflow;
    private final FailoverPlanner planner;
    private final Observer observer;
    private final Rejoin rejoin;
    private final Duration catchUpTimeout;
    private final Duration pollInterval;
    private final Clock clock;
    private final Pause pause;
    private final Log log;

    public Switchover(FailoverWorkflow workflow, FailoverPlanner planner, Observer observer, StepExecutor executor,
                      Duration catchUpTimeout, Duration pollInterval, Clock clock, Pause pause, Log log) {
        this.workflow = workflow;
        this.planner = planner;
        this.observer = observer;
        this.rejoin = new Rejoin(workflow, executor, log);
        this.catchUpTimeout = catchUpTimeout;
        this.pollInterval = pollInterval.compareTo(Duration.ofMillis(50)) < 0 ? Duration.ofMillis(50) : pollInterval;
        this.clock = clock;
        this.pause = pause;
        this.log = log;
    }

    /** Switches the primary role to {@code target} under the cluster lease. */
    public Outcome run(String target, String owner) {
        return workflow.withLease("switchover to " + target, owner, run -> switchover(run, target));
    }

    private Outcome switchover(FailoverWorkflow.Run run, String target) {
        Instant start = clock.instant();
        Inventory inventory = observer.inventory();
        ClusterObservation observation = observer.observe(inventory, 1);
        run.time(FailoverWorkflow.DETECTION, start, clock.instant());
        Topology topology = inventory.topology();
        String old = inventory.taggedPrimary().orElse(null);
        String refusal = check(topology, observation, old, target);
        if (refusal != null) {
            if (target.equals(old) && observation.latest().node(old).writable()) {
                String reason = target + " already is the primary (timeline "
                        + observation.latest().node(old).timeline() + "): nothing to switch";
                log.info("decision", "cluster", inventory.cluster(), "trigger", run.trigger, "decision", "no-op",
                        "reason", reason);
                return new Outcome(Outcome.Action.NO_OP, inventory.cluster(), old, reason, List.of(), run.millis());
            }
            return workflow.refused(run, old, "no switchover to " + target + ": " + refusal);
        }
        NodeObservation before = observation.latest().node(old);
        NodeObservation candidate = observation.latest().node(target);
        log.info("decision", "cluster", inventory.cluster(), "trigger", run.trigger, "decision", "switchover",
                "primary", old, "target", target, "reason", "switching over from " + old + " to " + target);

        // Prepare: from here on every acknowledged commit must be on the target.
        List<String> undo = new ArrayList<>();
        try {
            if (!old.equals(candidate.upstream())) {
                workflow.step(run, inventory, new Step.Repoint(target, old));
                undo.add(target + " now streams from " + old + " (was " + candidate.upstream()
                        + "); the next run returns it to its configured upstream");
            }
            if (!before.syncStandbys().equals(List.of(target))) {
                workflow.step(run, inventory, new Step.SetSyncStandbys(old, List.of(target)));
            }
        } catch (StepFailedException e) {
            restoreSync(run, inventory, old, before.syncStandbys());
            return workflow.failed(run, old, "switchover to " + target + " not started: " + e.getMessage()
                    + "; " + old + " remains the primary", e);
        }

        // Catch up, bounded; the old primary keeps its role if the target cannot.
        start = clock.instant();
        String behind = catchUp(inventory, old, target);
        run.time(CATCH_UP, start, clock.instant());
        if (behind != null) {
            restoreSync(run, inventory, old, before.syncStandbys());
            return workflow.refused(run, old, "no switchover to " + target + ": " + behind + "; nothing was"
                    + " switched and " + old + " remains the primary" + (undo.isEmpty() ? "" : "; " + undo.get(0)));
        }

        // The switch itself: fence, promote, record that the old primary is out of service.
        try {
            workflow.step(run, inventory, new Step.Fence(old, Step.Fence.How.STOP_POSTGRES));
            workflow.step(run, inventory, new Step.Promote(target));
            workflow.step(run, inventory, new Step.RetagInstances(Map.of(old, Role.REBUILD)));
        } catch (StepFailedException e) {
            return workflow.failed(run, null, "switchover from " + old + " to " + target + " failed: " + e.getMessage()
                    + "; the cluster may have no primary until the next run fails over", e);
        }
        String subject = "pgpilot " + inventory.cluster() + ": switchover from " + old + " to " + target;
        Outcome switched = workflow.converge(run, "after the switch", subject);
        if (switched.failed() || switched.action() == Outcome.Action.REFUSED) {
            return switched;
        }

        // Rejoin the old primary as a standby of the new one.
        start = clock.instant();
        String rejoined = rejoin.run(run, observer.inventory(), old, target);
        run.time(REJOIN, start, clock.instant());
        if (rejoined != null) {
            // The planner has nothing to say about a node tagged rebuild that does not answer: tell it here.
            run.notes.clear();
            try {
                workflow.step(run, inventory, new Step.Notify("pgpilot " + inventory.cluster() + ": " + old
                        + " did not rejoin after the switchover to " + target, old + " did not rejoin as a standby of "
                        + target + ": " + rejoined + ". It stays fenced and tagged rebuild. To rejoin it:"
                        + " pgpilot-FenceNode action=unfence, then pgpilot-RebuildStandby upstreamHost=" + target
                        + " rewind=true."));
            } catch (StepFailedException e) {
                log.error("notify-failed", "cluster", inventory.cluster(), "error", e.getMessage());
            }
        }
        Outcome after = workflow.converge(run, "after the rejoin", null);
        String reason = "switched over from " + old + " to " + target + " with no acknowledged commit lost; "
                + (rejoined == null ? old + " rejoined as a standby of " + target
                        : old + " did not rejoin: " + rejoined + "; it stays fenced and tagged rebuild")
                + ". " + switched.reason();
        if (after.failed()) {
            return after;
        }
        return workflow.completed(run, target, reason);
    }

    /** Null when a switchover to {@code target} may start; otherwise why not. */
    private static String check(Topology topology, ClusterObservation observation, String old, String target) {
        if (!topology.names().contains(target)) {
            return target + " is not a database node of cluster " + topology.cluster() + " (nodes: "
                    + topology.names() + ")";
        }
        if (old == null) {
            return "no node is tagged primary, so there is no primary to switch from";
        }
        if (target.equals(old)) {
            return target + " is already the tagged primary";
        }
        NodeObservation primary = observation.latest().node(old);
        if (!primary.writable()) {
            return "the primary " + old + " does not accept writes (" + (primary.reachable() ? "in recovery"
                    : "unreachable") + "): a switchover needs a healthy primary; a failed one is failed over";
        }
        if (topology.node(target).role() != Role.STANDBY) {
            return target + " is tagged " + topology.node(target).role().tag() + ", not standby";
        }
        NodeObservation standby = observation.latest().node(target);
        if (!standby.standby()) {
            return target + " is " + (standby.reachable() ? "not in recovery" : "unreachable");
        }
        if (standby.walReceiver() != WalReceiverStatus.STREAMING) {
            return target + "'s WAL receiver is " + standby.walReceiver().name().toLowerCase() + ", not streaming";
        }
        if (standby.timeline() != primary.timeline()) {
            return target + " is on timeline " + standby.timeline() + ", the primary on " + primary.timeline();
        }
        return null;
    }

    /** Null once the target has replayed all the primary had written; else how far behind it stayed. */
    private String catchUp(Inventory inventory, String old, String target) {
        Instant deadline = clock.instant().plus(catchUpTimeout);
        while (true) {
            NodeObservation primary = observer.probe(inventory, old);
            if (!primary.writable()) {
                return "the primary " + old + " stopped accepting writes during the catch-up";
            }
            NodeObservation standby = observer.probe(inventory, target);
            if (!standby.standby() || !standby.streamsFrom(old)) {
                return target + " stopped streaming from " + old + " during the catch-up";
            }
            long lag = primary.replayedLsn().bytesAfter(standby.replayedLsn());
            if (lag <= 0) {
                log.info("caught-up", "cluster", inventory.cluster(), "target", target,
                        "lsn", standby.replayedLsn().toString());
                return null;
            }
            if (!clock.instant().isBefore(deadline)) {
                return target + " was still " + lag + " bytes behind " + old + " (replayed " + standby.replayedLsn()
                        + ", primary at " + primary.replayedLsn() + ") after " + catchUpTimeout.toSeconds() + " s";
            }
            pause.sleep(pollInterval);
        }
    }

    private void restoreSync(FailoverWorkflow.Run run, Inventory inventory, String primary, List<String> standbys) {
        try {
            NodeObservation now = observer.probe(inventory, primary);
            if (now.reachable() && !now.syncStandbys().equals(standbys)) {
                workflow.step(run, inventory, new Step.SetSyncStandbys(primary, standbys));
            }
        } catch (RuntimeException e) {
            log.error("restore-sync-failed", "cluster", inventory.cluster(), "primary", primary, "error", e.toString(),
                    "reason", "synchronous_standby_names of " + primary + " may still wait for the target alone");
        }
    }
}

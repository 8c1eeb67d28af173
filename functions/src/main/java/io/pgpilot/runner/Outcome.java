package io.pgpilot.runner;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one invocation did, as a handler returns it (the Lambda runtime serializes it to JSON):
 * plain strings, lists and numbers only, so any serializer renders it the same way.
 *
 * @param action      what happened
 * @param cluster     the pgpilot cluster; null when the event could not be read far enough
 * @param primary     the primary afterwards, as far as this run knows; null when unknown
 * @param reason      why, in words: the planner's reason, the refusal, the error, why an event was ignored
 * @param steps       the steps executed, one line each with what was verified, in order
 * @param phaseMillis how long each phase took (detection, decision, fence, promote, repoint,
 *                    routing, completion; switchover: catchup, rejoin), in order, and total
 */
public record Outcome(Action action, String cluster, String primary, String reason, List<String> steps,
                      Map<String, Long> phaseMillis) {

    public enum Action {
        /** A plan's steps all ran (a failover, a re-point, a rebuild plan, a switchover). */
        COMPLETED,
        /** The cluster already was as it should be: nothing to do. */
        NO_OP,
        /** The planner (or the switchover's checks) refused; nothing was changed. */
        REFUSED,
        /** A step or a call failed; the reason names it. The steps before it ran. */
        FAILED,
        /** Another run holds the cluster lease; this one did nothing. */
        LEASE_HELD,
        /** The event is not one to act on (another cluster's, malformed, an OK alarm...). */
        IGNORED,
        /** The event id was already handled: a redelivery. */
        DUPLICATE,
        /** The hosts map (and DNS record) was published after an instance started. */
        PUBLISHED,
        /** The monitor probed and published metrics; nothing needed doing. */
        OBSERVED,
        /**
         * A sensor (pgpool) reported a node down, pgpilot found no failure to act on, and every
         * pgpool re-attached the node: a blip between one pgpool and the node.
         */
        REATTACHED,
        /**
         * The cluster is in maintenance (paused): the plan that would change it was held, and the
         * reason says what it would have done.
         */
        PAUSED,
        /** A sensor's report of a node a run already started for, within the window: nothing more done. */
        COALESCED
    }

    public Outcome {
        if (action == null || reason == null) {
            throw new IllegalArgumentException("an outcome needs its action and reason");
        }
        steps = steps == null ? List.of() : List.copyOf(steps);
        phaseMillis = phaseMillis == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(phaseMillis));
    }

    public static Outcome of(Action action, String cluster, String primary, String reason) {
        return new Outcome(action, cluster, primary, reason, List.of(), Map.of());
    }

    public static Outcome ignored(String cluster, String reason) {
        return of(Action.IGNORED, cluster, null, "ignored: " + reason);
    }

    /** Whether the run ended in an error that the caller should surface (and a redelivery retry). */
    public boolean failed() {
        return action == Action.FAILED;
    }
}

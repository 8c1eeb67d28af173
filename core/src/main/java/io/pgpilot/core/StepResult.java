package io.pgpilot.core;

import java.time.Duration;

/**
 * What executing one step did.
 *
 * @param detail what was done and verified, or why not, in words for the log, the history and the result
 */
public record StepResult(Step step, Status status, String detail, Duration took) {

    public enum Status {
        /** Done and verified. */
        DONE,
        /** Nothing to do here (no DNS zone, no pgpool host). */
        SKIPPED,
        /** Cannot run yet: a rebuild waits until its instance runs. */
        DEFERRED,
        /** Started and still running when the wait ended: a long rebuild. */
        STARTED,
        /** Done where it could be: the detail names the hosts it did not reach. The plan goes on. */
        PARTIAL,
        /** Failed: the plan stops here, except at a rebuild of a node already out of service. */
        FAILED
    }

    public StepResult {
        if (step == null || status == null || detail == null || took == null) {
            throw new IllegalArgumentException("a step result needs its step, status, detail and duration");
        }
    }

    public boolean failed() {
        return status == Status.FAILED;
    }

    /** Whether a run must tell what this step left undone: it failed, still runs, or missed some hosts. */
    public boolean leftUndone() {
        return status == Status.FAILED || status == Status.STARTED || status == Status.PARTIAL;
    }

    /** One line: "Promote[node=pg2]: DONE: pg2 accepts writes on timeline 2 (41 ms)". */
    public String describe() {
        return step + ": " + status + ": " + detail + " (" + took.toMillis() + " ms)";
    }
}

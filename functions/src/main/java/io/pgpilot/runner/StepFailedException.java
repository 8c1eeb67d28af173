package io.pgpilot.runner;

import io.pgpilot.core.Step;

/** A step that failed: the plan stops here. The message names the step and what went wrong (a command's stderr). */
public final class StepFailedException extends RuntimeException {

    private final transient Step step;
    private final String detail;

    public StepFailedException(Step step, String message) {
        super(step + " failed: " + message);
        this.step = step;
        this.detail = message;
    }

    public StepFailedException(Step step, String message, Throwable cause) {
        super(step + " failed: " + message, cause);
        this.step = step;
        this.detail = message;
    }

    public Step step() {
        return step;
    }

    /** What went wrong, without the step: what a result and a planner speak of. */
    public String detail() {
        return detail;
    }
}

package io.pgpilot.workflow;

import io.pgpilot.core.Step;

/** A step that failed: the plan stops here. The message names the step and what went wrong (a command's stderr). */
public final class StepFailedException extends RuntimeException {

    private final transient Step step;

    public StepFailedException(Step step, String message) {
        super(step + " failed: " + message);
        this.step = step;
    }

    public StepFailedException(Step step, String message, Throwable cause) {
        super(step + " failed: " + message, cause);
        this.step = step;
    }

    public Step step() {
        return step;
    }
}

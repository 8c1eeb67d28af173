package io.pgpilot.handlers;

import io.pgpilot.runner.Outcome;

/**
 * Thrown by a handler whose run failed, so that Lambda reports the invocation as failed (an
 * Errors metric to alarm on) and retries an asynchronous event; the event id was forgotten, so
 * the retry runs again, and the planner takes it from what it then observes.
 */
public final class RunFailedException extends RuntimeException {

    private final transient Outcome outcome;

    public RunFailedException(Outcome outcome) {
        super(outcome.reason());
        this.outcome = outcome;
    }

    public Outcome outcome() {
        return outcome;
    }
}

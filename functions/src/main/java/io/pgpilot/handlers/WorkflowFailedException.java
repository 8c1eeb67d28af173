package io.pgpilot.handlers;

import io.pgpilot.workflow.Outcome;

/**
 * Thrown by a handler whose run failed, so that Lambda reports the invocation as failed (an
 * Errors metric to alarm on) and retries an asynchronous event; the event id was forgotten, so
 * the retry runs again, and the planner takes it from what it then observes.
 */
public final class WorkflowFailedException extends RuntimeException {

    private final transient Outcome outcome;

    public WorkflowFailedException(Outcome outcome) {
        super(outcome.reason());
        this.outcome = outcome;
    }

    public Outcome outcome() {
        return outcome;
    }
}

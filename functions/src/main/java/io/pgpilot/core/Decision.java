package io.pgpilot.core;

/** What the planner decided, always with a human-readable reason for the log, the result and the notification. */
public sealed interface Decision permits Plan, Refusal {

    String reason();
}

package io.pgpilot.core;

import java.util.List;

/** What the planner decided, always with a human-readable reason for the log, the result and the notification. */
public sealed interface Decision permits Plan, Refusal {

    String reason();

    /** Conditions to tell an operator whatever the decision: a refused failover, an excluded node. */
    List<Alert> alerts();
}

package io.pgpilot.core;

/**
 * What the {@link AuroraPlanner} decided, always with a human-readable reason: an {@link AuroraPlan}
 * or the same {@link Refusal} the EC2 planner gives.
 */
public sealed interface AuroraDecision permits AuroraPlan, Refusal {

    String reason();
}

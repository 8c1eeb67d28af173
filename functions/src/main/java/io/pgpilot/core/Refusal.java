package io.pgpilot.core;

/** Nothing is done; the reason says why and what would let it proceed. */
public record Refusal(String reason) implements Decision, AuroraDecision {

    public Refusal {
        Checks.notNull(reason, "reason");
    }
}

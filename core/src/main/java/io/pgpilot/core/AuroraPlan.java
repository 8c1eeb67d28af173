package io.pgpilot.core;

import java.util.List;
import java.util.Optional;

/**
 * Aurora steps to run in order. An empty plan is a no-op: the writer already is the one a
 * failover made it, which is what a repeated event sees after a completed failover.
 *
 * @param writer the writer once the steps have run
 */
public record AuroraPlan(String writer, List<AuroraStep> steps, String reason) implements AuroraDecision {

    public AuroraPlan {
        Checks.notNull(writer, "writer");
        steps = Checks.list(steps, "steps");
        Checks.notNull(reason, "reason");
    }

    public boolean isNoOp() {
        return steps.isEmpty();
    }

    /** The failover this plan makes, if any. */
    public Optional<AuroraStep.FailoverDbCluster> failover() {
        return steps.stream().filter(AuroraStep.FailoverDbCluster.class::isInstance)
                .map(AuroraStep.FailoverDbCluster.class::cast).findFirst();
    }
}

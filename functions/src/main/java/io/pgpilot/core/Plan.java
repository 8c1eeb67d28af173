package io.pgpilot.core;

import java.util.List;

/**
 * Steps to run in order. An empty plan is a no-op: the cluster already is as it should be,
 * which is what a repeated event sees after a completed failover.
 *
 * @param primary the primary once the steps have run
 */
public record Plan(String primary, List<Step> steps, String reason) implements Decision {

    public Plan {
        Checks.notNull(primary, "primary");
        steps = Checks.list(steps, "steps");
        Checks.notNull(reason, "reason");
    }

    public boolean isNoOp() {
        return steps.isEmpty();
    }
}

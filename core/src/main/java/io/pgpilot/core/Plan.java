package io.pgpilot.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Steps to run in order. An empty plan is a no-op: the cluster already is as it should be,
 * which is what a repeated event sees after a completed failover.
 *
 * @param primary the primary once the steps have run
 */
public record Plan(String primary, List<Step> steps, String reason, List<Alert> alerts) implements Decision {

    public Plan {
        Checks.notNull(primary, "primary");
        steps = Checks.list(steps, "steps");
        Checks.notNull(reason, "reason");
        alerts = Checks.list(alerts, "alerts");
    }

    public Plan(String primary, List<Step> steps, String reason) {
        this(primary, steps, reason, List.of());
    }

    public boolean isNoOp() {
        return steps.isEmpty();
    }

    Plan alerting(List<Alert> more) {
        List<Alert> all = new ArrayList<>(alerts);
        all.addAll(more);
        return new Plan(primary, steps, reason, all);
    }
}

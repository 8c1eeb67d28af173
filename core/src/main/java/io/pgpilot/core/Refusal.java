package io.pgpilot.core;

import java.util.ArrayList;
import java.util.List;

/** Nothing is done; the reason says why and what would let it proceed. */
public record Refusal(String reason, List<Alert> alerts) implements Decision, AuroraDecision {

    public Refusal {
        Checks.notNull(reason, "reason");
        alerts = Checks.list(alerts, "alerts");
    }

    public Refusal(String reason) {
        this(reason, List.of());
    }

    Refusal alerting(List<Alert> more) {
        List<Alert> all = new ArrayList<>(alerts);
        all.addAll(more);
        return new Refusal(reason, all);
    }
}

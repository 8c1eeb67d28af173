package io.pgpilot.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Nothing (more) is done; the reason says why and what would let it proceed.
 *
 * @param failure the run failed: a step failed and the planner cannot carry on from it (a rejoin
 *                that did not end streaming); false for a refusal to start or to go on
 */
public record Refusal(String reason, List<Alert> alerts, boolean failure) implements Decision {

    public Refusal {
        Checks.notNull(reason, "reason");
        alerts = Checks.list(alerts, "alerts");
    }

    public Refusal(String reason) {
        this(reason, List.of(), false);
    }

    public Refusal(String reason, List<Alert> alerts) {
        this(reason, alerts, false);
    }

    /** A step of this run failed and nothing can be done about it now. */
    public static Refusal failure(String reason) {
        return new Refusal(reason, List.of(), true);
    }

    Refusal alerting(List<Alert> more) {
        List<Alert> all = new ArrayList<>(alerts);
        all.addAll(more);
        return new Refusal(reason, all, failure);
    }
}

package io.pgpilot.core;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Maintenance mode: while a cluster is paused pgpilot observes, records and notifies, and changes
 * nothing in it (no fence, promotion, re-point, rebuild, retag or routing change), so that an
 * operator can restart or upgrade PostgreSQL without a failover. A plan that would change the
 * cluster is held, with what it would have done; what changes no node runs (the hosts map, the
 * DNS record, a notification, a backup).
 *
 * @param since when it was paused
 * @param by    who paused it: the caller's identity (an IAM ARN)
 * @param until when it ends by itself; null: until resumed
 */
public record Maintenance(Instant since, String by, Instant until) {

    /** The steps a paused cluster still runs: none of them changes a node's role or PostgreSQL. */
    private static final Set<Class<? extends Step>> RUN_DURING_MAINTENANCE = Set.of(Step.PublishHosts.class,
            Step.UpdateDnsRecord.class, Step.Notify.class, Step.Backup.class);

    public Maintenance {
        Checks.notNull(since, "when the pause began");
        Checks.requireText(by, "who paused the cluster");
        if (until != null && !until.isAfter(since)) {
            throw new IllegalArgumentException("a pause must end after it begins: since " + since + ", until " + until);
        }
    }

    /** Whether it still holds at {@code now}: not yet past its end. */
    public boolean holdsAt(Instant now) {
        return until == null || now.isBefore(until);
    }

    /** The steps of {@code steps} that a pause holds back, in order. */
    public static List<Step> held(List<Step> steps) {
        return steps.stream().filter(s -> !RUN_DURING_MAINTENANCE.contains(s.getClass())).toList();
    }

    /** "paused since T by WHO until U" (or "until resumed"). */
    public String describe() {
        return "paused since " + since + " by " + by + (until == null ? ", until resumed" : ", until " + until);
    }
}

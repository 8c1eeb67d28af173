package io.pgpilot.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Aurora mode's decision: from an {@link AuroraObservation}, a {@link Plan} (FailoverDBCluster
 * to the best reader, then notify) or a {@link Refusal}, each with its reason. Pure: no I/O and
 * no clock, so every case replays in a test.
 *
 * <p>The rules, in the order they apply:
 * <ol>
 *   <li>Exactly one member must be the writer; none or several means Aurora is between writers:
 *       refuse, the next event looks again.</li>
 *   <li>The writer is <em>confirmed failed</em> when RDS reports its instance failed (failed,
 *       incompatible-..., inaccessible-encryption-credentials, storage-full...), or when RDS reports
 *       it in service and the cluster endpoint did not answer in any of the confirmation probe
 *       rounds. An alarm in ALARM only starts the run: it never confirms by itself (Aurora's lag
 *       alarm fires with a healthy writer). A writer that RDS reports rebooting, modifying,
 *       upgrading... is being changed on purpose and is never confirmed failed.</li>
 *   <li>The writer is the reader pgpilot's last completed failover made the writer, that failover is
 *       less than the settle period ago and RDS does not report it failed: a no-op that reports it
 *       (a repeated or flapping event; a cluster endpoint whose DNS has not yet moved does not
 *       start a second failover).</li>
 *   <li>The DB cluster must be available (or backing up, or optimizing storage): refuse while it is
 *       failing over (Aurora is already moving the writer), modifying, upgrading...</li>
 *   <li>Refuse when the writer is not confirmed failed: a healthy writer is not failed over.</li>
 *   <li>The target is the best available reader: lowest known replica lag (unknown lags after known
 *       ones), then one outside the failed writer's availability zone (what took the writer may
 *       take its zone), then Aurora's promotion tier, then the name. Refuse when no reader is
 *       available. Aurora keeps one storage volume, so the lag costs catch-up time, never data:
 *       there is no RPO guard here.</li>
 * </ol>
 */
public final class AuroraPlanner {

    /** DB cluster statuses in which a failover may start. */
    static final Set<String> CLUSTER_ACTIONABLE = Set.of("available", "backing-up", "storage-optimization");

    /** DB instance statuses in which an instance serves. */
    static final Set<String> IN_SERVICE = Set.of("available", "backing-up", "storage-optimization");

    /** DB instance statuses that mean the instance cannot serve until someone repairs it. */
    static final Set<String> FAILED = Set.of("failed", "inaccessible-encryption-credentials",
            "inaccessible-encryption-credentials-recoverable", "incompatible-network", "incompatible-parameters",
            "incompatible-restore", "insufficient-capacity", "storage-full");

    private final String cluster;
    private final int confirmationProbes;
    private final Duration settle;

    /**
     * @param cluster            the pgpilot cluster, for the notification's subject
     * @param confirmationProbes probe rounds in which the cluster endpoint must not answer
     * @param settle             how long after pgpilot's failover its target is not failed over again on
     *                           the endpoint probe alone
     */
    public AuroraPlanner(String cluster, int confirmationProbes, Duration settle) {
        this.cluster = Checks.notNull(cluster, "cluster");
        if (confirmationProbes < 1) {
            throw new IllegalArgumentException("confirmation probes must be at least 1, was " + confirmationProbes);
        }
        if (settle == null || settle.isNegative()) {
            throw new IllegalArgumentException("settle period must not be negative, was " + settle);
        }
        this.confirmationProbes = confirmationProbes;
        this.settle = settle;
    }

    /** Whether RDS reports the instance failed: that confirms by itself, no probe needed. */
    public static boolean reportedFailed(String instanceStatus) {
        return FAILED.contains(instanceStatus);
    }

    public Decision decide(AuroraObservation seen) {
        String id = seen.clusterId();
        List<AuroraObservation.Member> writers = seen.writers();
        if (writers.size() != 1) {
            return new Refusal("DB cluster " + id + " reports " + (writers.isEmpty() ? "no writer"
                    : writers.size() + " writers " + names(writers)) + " (status " + seen.status()
                    + "): Aurora is between writers, so pgpilot changes nothing; the next event looks again");
        }
        AuroraObservation.Member writer = writers.get(0);
        Confirmation confirmation = confirm(seen, writer);
        AuroraObservation.LastFailover last = seen.lastFailover();
        if (last != null && last.target().equals(writer.instanceId()) && !reportedFailed(writer.status())
                && Duration.between(last.at(), seen.at()).compareTo(settle) < 0) {
            return new Plan(writer.instanceId(), List.of(), writer.instanceId() + " is already the writer of DB"
                    + " cluster " + id + ": pgpilot failed over to it at " + last.at() + ", less than "
                    + minutes(settle) + " ago, and RDS reports it " + writer.status() + "; nothing to do");
        }
        if (!CLUSTER_ACTIONABLE.contains(seen.status())) {
            return new Refusal("DB cluster " + id + " is " + seen.status() + ": " + ("failing-over".equals(seen.status())
                    ? "Aurora is already moving the writer" : "RDS is changing it")
                    + ", so pgpilot starts no failover now (writer " + writer.instanceId() + ": "
                    + confirmation.evidence + "); the next event looks again");
        }
        if (!confirmation.failed) {
            return new Refusal("writer " + writer.instanceId() + " of DB cluster " + id + " is not confirmed failed: "
                    + confirmation.evidence + "; a healthy writer is not failed over");
        }
        List<AuroraObservation.Member> available = seen.readers().stream()
                .filter(m -> "available".equals(m.status()))
                .sorted(best(writer))
                .toList();
        if (available.isEmpty()) {
            return new Refusal("writer " + writer.instanceId() + " of DB cluster " + id + " has failed ("
                    + confirmation.evidence + ") but no reader is available to take over"
                    + (seen.readers().isEmpty() ? " (the cluster has none)" : ": " + described(seen.readers()))
                    + "; Aurora recovers the writer in place, or add a reader");
        }
        AuroraObservation.Member target = available.get(0);
        String reason = "writer " + writer.instanceId() + " of DB cluster " + id + " has failed: "
                + confirmation.evidence + "; failing over to " + target.describe() + ", " + why(target, writer,
                available) + (available.size() > 1 ? "; other available readers: "
                + described(available.subList(1, available.size())) : "");
        List<Step> steps = new ArrayList<>();
        steps.add(new Step.FailoverDbCluster(id, writer.instanceId(), target.instanceId()));
        steps.add(new Step.Notify("pgpilot " + cluster + ": Aurora failover from " + writer.instanceId() + " to "
                + target.instanceId(), reason));
        return new Plan(target.instanceId(), steps, reason);
    }

    /** Whether the writer's failure is confirmed, and the evidence either way in words. */
    private record Confirmation(boolean failed, String evidence) {
    }

    private Confirmation confirm(AuroraObservation seen, AuroraObservation.Member writer) {
        String rds = "RDS reports it " + writer.status();
        if (reportedFailed(writer.status())) {
            return new Confirmation(true, rds);
        }
        if (!IN_SERVICE.contains(writer.status())) {
            return new Confirmation(false, rds + ", a change made on purpose rather than a failure");
        }
        List<AuroraObservation.Endpoint> probes = seen.endpointProbes();
        if (probes.isEmpty()) {
            return new Confirmation(false, rds + " and the cluster endpoint was not probed (no database credentials"
                    + " configured), so nothing confirms a failure");
        }
        long unanswered = probes.stream().filter(p -> p == AuroraObservation.Endpoint.UNREACHABLE).count();
        if (unanswered == probes.size() && probes.size() >= confirmationProbes) {
            return new Confirmation(true, rds + " but the cluster endpoint did not answer in any of "
                    + probes.size() + " probe rounds");
        }
        if (unanswered == probes.size()) {
            return new Confirmation(false, rds + " and the cluster endpoint did not answer in " + probes.size()
                    + " probe round" + (probes.size() == 1 ? "" : "s") + ", fewer than the " + confirmationProbes
                    + " that confirm");
        }
        AuroraObservation.Endpoint answer = probes.stream().filter(p -> p != AuroraObservation.Endpoint.UNREACHABLE)
                .reduce((a, b) -> b).orElseThrow();
        return new Confirmation(false, rds + " and the cluster endpoint answered"
                + (answer == AuroraObservation.Endpoint.WRITER ? " and accepts writes"
                        : " read-only (its DNS still names a reader)")
                + " in " + (probes.size() - unanswered) + " of " + probes.size() + " probe rounds");
    }

    private static Comparator<AuroraObservation.Member> best(AuroraObservation.Member writer) {
        return Comparator.comparing((AuroraObservation.Member m) -> m.lagMillis() == null)
                .thenComparingLong(m -> m.lagMillis() == null ? 0 : m.lagMillis())
                .thenComparing(m -> sameZone(m, writer))
                .thenComparingInt(AuroraObservation.Member::promotionTier)
                .thenComparing(AuroraObservation.Member::instanceId);
    }

    private static boolean sameZone(AuroraObservation.Member reader, AuroraObservation.Member writer) {
        return reader.zone() != null && reader.zone().equals(writer.zone());
    }

    /** Why the first of {@code available} won: the first rule that tells it from the runner-up. */
    private static String why(AuroraObservation.Member target, AuroraObservation.Member writer,
                              List<AuroraObservation.Member> available) {
        if (available.size() == 1) {
            return "the only available reader";
        }
        AuroraObservation.Member next = available.get(1);
        if (target.lagMillis() != null && !Objects.equals(target.lagMillis(), next.lagMillis())) {
            return "the lowest known replica lag";
        }
        if (target.lagMillis() == null) {
            if (sameZone(next, writer) && !sameZone(target, writer)) {
                return "no reader's lag is known; outside the failed writer's zone " + writer.zone();
            }
        } else if (sameZone(next, writer) && !sameZone(target, writer)) {
            return "as current as any; outside the failed writer's zone " + writer.zone();
        }
        if (target.promotionTier() != next.promotionTier()) {
            return "the first in Aurora's promotion tiers (tier " + target.promotionTier() + ")";
        }
        return "first by name among equals";
    }

    private static String names(List<AuroraObservation.Member> members) {
        return members.stream().map(AuroraObservation.Member::instanceId).toList().toString();
    }

    private static String described(List<AuroraObservation.Member> members) {
        return members.stream().map(AuroraObservation.Member::describe).collect(Collectors.joining(", "));
    }

    private static String minutes(Duration duration) {
        long seconds = duration.toSeconds();
        return seconds % 60 == 0 ? seconds / 60 + " min" : seconds + " s";
    }
}

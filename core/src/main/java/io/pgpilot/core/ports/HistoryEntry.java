package io.pgpilot.core.ports;

import io.pgpilot.core.Checks;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One transition, or one refusal.
 *
 * @param leaseEpoch the epoch of the lease it ran under, 0 when it ran under none
 * @param outcome    e.g. "completed", "refused", "failed at step 3"
 * @param primary    the primary afterwards; null when unknown
 * @param steps      the plan's steps as text, in order (see DynamoDbHistoryLog.describe)
 * @param phases     how long each phase took, in order
 */
public record HistoryEntry(String cluster, Instant startedAt, long leaseEpoch, String outcome, String primary,
                    String reason, List<String> steps, Map<String, Duration> phases) {

    public HistoryEntry {
        Checks.requireText(cluster, "cluster of a history entry");
        if (startedAt == null) {
            throw new IllegalArgumentException("start of a history entry is missing (null)");
        }
        Checks.requireText(outcome, "outcome of a history entry");
        Checks.requireText(reason, "reason of a history entry");
        if (leaseEpoch < 0) {
            throw new IllegalArgumentException("lease epoch of a history entry must not be negative, was "
                    + leaseEpoch);
        }
        steps = List.copyOf(steps);
        phases.forEach((phase, took) -> {
            Checks.requireText(phase, "phase name");
            if (took == null || took.isNegative()) {
                throw new IllegalArgumentException("duration of phase " + phase + " must not be negative, was "
                        + took);
            }
        });
        phases = Collections.unmodifiableMap(new LinkedHashMap<>(phases));
    }
}

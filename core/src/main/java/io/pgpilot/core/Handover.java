package io.pgpilot.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Whether a run the monitor started may decide from the monitor's probe rounds and one fresh
 * round taken under the lease, rather than confirming a failure all over again: only while they
 * are one look at one outage. The tags must be as the monitor saw them (no run completed a
 * transition meanwhile), and the fresh round must begin at most one probe interval plus
 * {@link #SLACK} after the monitor's last round ended.
 */
public final class Handover {

    /**
     * How long after the monitor's last round its run's fresh round may begin, beyond one probe
     * interval. In a full observation the next round begins at most one interval after the
     * previous one ended; between the monitor's last round and its run's fresh round come the
     * planner, the CloudWatch metrics, the DynamoDB lease and one DescribeInstances, a few hundred
     * ms. 2 s lets one slow call through while keeping the rounds spaced like one observation's, far
     * inside the lease's term (30 s at least) and the monitor's schedule (a minute). A later
     * handover (retries, throttling) costs a full observation.
     */
    public static final Duration SLACK = Duration.ofSeconds(2);

    private Handover() {
    }

    /**
     * Why the monitor's rounds (taken with the tags {@code seen}, the last ending at {@code endedAt})
     * may not stand for a run at {@code at} that sees the tags {@code now}; empty when they may.
     */
    public static Optional<String> stale(Topology seen, Topology now, Instant endedAt, Instant at, Duration interval) {
        if (!seen.equals(now)) {
            return Optional.of("the tags changed since the monitor probed (another run may have acted), so this run"
                    + " observes afresh with every round");
        }
        Duration gap = Duration.between(endedAt, at);
        Duration limit = interval.plus(SLACK);
        if (gap.isNegative()) {
            return Optional.of("the clock went back " + gap.negated().toMillis() + " ms since the monitor's probe"
                    + " rounds, so this run observes afresh with every round");
        }
        if (gap.compareTo(limit) > 0) {
            return Optional.of("the monitor's probe rounds ended " + gap.toMillis() + " ms ago, beyond the probe"
                    + " interval + " + SLACK.toSeconds() + " s (" + limit.toMillis() + " ms), so this run observes"
                    + " afresh with every round");
        }
        return Optional.empty();
    }
}

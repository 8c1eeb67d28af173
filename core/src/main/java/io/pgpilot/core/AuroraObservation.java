package io.pgpilot.core;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What was seen of an Aurora DB cluster in one run: RDS's view of it (DescribeDBClusters and
 * DescribeDBInstances), the cluster endpoint's answers to the probe rounds, and pgpilot's last
 * failover of it from the history. The input of {@link AuroraPlanner}.
 *
 * @param clusterId      the DB cluster identifier
 * @param status         the DB cluster's status: available, failing-over, modifying...
 * @param members        its DB instances
 * @param endpointProbes the cluster endpoint's answer in each probe round, in order; empty when
 *                       no probe ran (no database credentials configured, or RDS already reports
 *                       the writer failed)
 * @param lastFailover   pgpilot's latest failover of this cluster that completed; null when none
 * @param at             when it was observed (the injected clock, never read here)
 */
public record AuroraObservation(String clusterId, String status, List<Member> members, List<Endpoint> endpointProbes,
                                LastFailover lastFailover, Instant at) {

    /** What the cluster endpoint answered to one probe. */
    public enum Endpoint {
        /** It answered and accepts writes. */
        WRITER,
        /** It answered but is in recovery: it still points at a reader (a failover in progress, DNS not yet moved). */
        READ_ONLY,
        /** No answer: refused, timed out, not resolved. */
        UNREACHABLE
    }

    /**
     * One DB instance of the cluster.
     *
     * @param status        DescribeDBInstances' DBInstanceStatus: available, failed, rebooting...
     * @param zone          its availability zone; null when unknown
     * @param lagMillis     its replica lag in milliseconds (aurora_replica_status); null when unknown
     * @param promotionTier Aurora's own failover priority, 0 (first) to 15
     */
    public record Member(String instanceId, boolean writer, String status, String zone, Long lagMillis,
                         int promotionTier) {

        public Member {
            Checks.notNull(instanceId, "DB instance identifier");
            Checks.notNull(status, "status of DB instance " + instanceId);
            if (lagMillis != null && lagMillis < 0) {
                throw new IllegalArgumentException("replica lag of " + instanceId + " must not be negative, was "
                        + lagMillis);
            }
        }

        /** "b (available, lag 12 ms, us-east-1b)": for reasons. */
        public String describe() {
            return instanceId + " (" + status + (lagMillis == null ? "" : ", lag " + lagMillis + " ms")
                    + (zone == null ? "" : ", " + zone) + ")";
        }
    }

    /** pgpilot's latest completed failover: the reader it made the writer, and when that run started. */
    public record LastFailover(String target, Instant at) {

        public LastFailover {
            Checks.notNull(target, "target of the last failover");
            Checks.notNull(at, "time of the last failover");
        }
    }

    public AuroraObservation {
        Checks.notNull(clusterId, "DB cluster identifier");
        Checks.notNull(status, "status of DB cluster " + clusterId);
        members = Checks.list(members, "members of DB cluster " + clusterId);
        endpointProbes = Checks.list(endpointProbes, "cluster endpoint probes");
        Checks.notNull(at, "time of the observation");
    }

    public List<Member> writers() {
        return members.stream().filter(Member::writer).toList();
    }

    public List<Member> readers() {
        return members.stream().filter(m -> !m.writer()).toList();
    }

    /** The one writer; empty when there is none or more than one. */
    public Optional<Member> writer() {
        List<Member> writers = writers();
        return writers.size() == 1 ? Optional.of(writers.get(0)) : Optional.empty();
    }
}

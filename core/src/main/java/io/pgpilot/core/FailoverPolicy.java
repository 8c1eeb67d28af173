package io.pgpilot.core;

/**
 * How cautious the planner is.
 *
 * @param confirmationProbes probe rounds in which the primary must be unreachable, every one of
 *                           them, before its failure counts as confirmed (EC2 state aside)
 * @param rpoGuardBytes      the most WAL a promotion may lose: refuse when the best standby is
 *                           further behind the best known position
 * @param force              promote even beyond the RPO guard (an operator's explicit choice)
 * @param dnsRecordName      the private Route 53 record that names the primary; null when no
 *                           zone is configured
 * @param replication        what the primary's synchronous_standby_names is converged to
 */
public record FailoverPolicy(int confirmationProbes, long rpoGuardBytes, boolean force, String dnsRecordName,
                             Replication replication) {

    /** How commits on the primary wait for the standbys (PGPILOT_REPLICATION_MODE). */
    public enum Replication {
        /**
         * The standbys that stream directly from the primary are its synchronous standbys (FIRST 1,
         * the preferred one first): a commit waits for one of them.
         */
        SYNCHRONOUS,
        /** synchronous_standby_names is '': no commit waits for a standby. The RPO guard still applies. */
        ASYNCHRONOUS
    }

    public FailoverPolicy {
        if (confirmationProbes < 1) {
            throw new IllegalArgumentException("confirmation probes must be at least 1, was " + confirmationProbes);
        }
        if (rpoGuardBytes < 0) {
            throw new IllegalArgumentException("the RPO guard must be 0 bytes or more, was " + rpoGuardBytes);
        }
        if (dnsRecordName != null) {
            HostNames.requireHostName(dnsRecordName, "DNS record name");
        }
        Checks.notNull(replication, "replication mode");
    }

    /** With synchronous replication, the default. */
    public FailoverPolicy(int confirmationProbes, long rpoGuardBytes, boolean force, String dnsRecordName) {
        this(confirmationProbes, rpoGuardBytes, force, dnsRecordName, Replication.SYNCHRONOUS);
    }

    public FailoverPolicy forced() {
        return new FailoverPolicy(confirmationProbes, rpoGuardBytes, true, dnsRecordName, replication);
    }

    public FailoverPolicy with(Replication mode) {
        return new FailoverPolicy(confirmationProbes, rpoGuardBytes, force, dnsRecordName, mode);
    }
}

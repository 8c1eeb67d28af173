package io.pgpilot.core;

/**
 * One row of a primary's pg_stat_replication: a standby connected to it, and how far that
 * standby has confirmed the WAL.
 *
 * @param standby     its application_name, which pgpilot sets to the node's name
 * @param streaming   state is streaming (not startup, catchup or backup)
 * @param synchronous sync_state is sync or quorum: the primary's commits wait for it now
 * @param flushed     flush_lsn, the WAL the standby has confirmed durable; null before its first reply
 */
public record WalSender(String standby, boolean streaming, boolean synchronous, Lsn flushed) {

    public WalSender {
        Checks.notNull(standby, "application_name of a WAL sender");
    }
}

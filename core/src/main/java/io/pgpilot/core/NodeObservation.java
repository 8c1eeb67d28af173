package io.pgpilot.core;

import java.util.List;

/**
 * What one probe learned about one node.
 *
 * @param receivedLsn  on a standby pg_last_wal_receive_lsn(), null when it has not streamed since
 *                     it started; on a primary pg_current_wal_lsn()
 * @param replayedLsn  on a standby pg_last_wal_replay_lsn(); on a primary pg_current_wal_lsn()
 * @param walReceiver  the standby's WAL receiver status; NONE on a primary
 * @param upstream     the node the standby's WAL receiver connects to (primary_conninfo's host,
 *                     resolved to a node name), or null when it has none or it is not a node
 * @param syncStandbys the application names in this node's synchronous_standby_names, in priority
 *                     order; empty for asynchronous. Read on standbys too: it takes effect on promotion.
 * @param timeline     the timeline of the node's WAL: on a primary the one it writes; on a standby the
 *                     newest of its WAL receiver's, its WAL files' and its last restartpoint's, so
 *                     that a standby whose WAL receiver is not running (its upstream just died, or it
 *                     was rewound) is not taken for one on an older timeline
 * @param walSenders   on a primary, its pg_stat_replication; empty on a standby
 * @param systemIdentifier pg_control_system()'s system_identifier: the same on every copy of one
 *                     database, so a node reporting another is not a member; null when unreachable
 * @param unusable     why the node's answer cannot be used (an unparsable position, an unknown
 *                     timeline), or null. Such a node answered, so it is not down, but nothing it
 *                     reported is believed: it is never a candidate and never in service.
 */
public record NodeObservation(String node, boolean reachable, boolean inRecovery, Lsn receivedLsn,
                              Lsn replayedLsn, int timeline, WalReceiverStatus walReceiver, String upstream,
                              List<String> syncStandbys, List<WalSender> walSenders, String systemIdentifier,
                              String unusable) {

    public NodeObservation {
        Checks.notNull(node, "observed node name");
        Checks.notNull(walReceiver, "WAL receiver status of " + node);
        syncStandbys = Checks.list(syncStandbys, "synchronous standbys of " + node);
        walSenders = Checks.list(walSenders, "WAL senders of " + node);
        if (!reachable || unusable != null) {
            if (inRecovery || receivedLsn != null || replayedLsn != null || timeline != 0
                    || walReceiver != WalReceiverStatus.NONE || upstream != null || !syncStandbys.isEmpty()
                    || !walSenders.isEmpty() || (!reachable && systemIdentifier != null)) {
                throw new IllegalArgumentException("observation of " + (reachable ? "unusable" : "unreachable")
                        + " node " + node + " carries readings; use NodeObservation."
                        + (reachable ? "unusable" : "unreachable"));
            }
            if (!reachable && unusable != null) {
                throw new IllegalArgumentException(node + " cannot be both unreachable and unusable");
            }
        } else {
            Checks.notNull(replayedLsn, "replayed LSN of " + node);
            if (timeline < 1) {
                throw new IllegalArgumentException("timeline of " + node + " must be at least 1, was " + timeline);
            }
            if (!inRecovery && (walReceiver != WalReceiverStatus.NONE || upstream != null)) {
                throw new IllegalArgumentException(node + " is not in recovery (a primary) yet reports a WAL receiver");
            }
            if (inRecovery && !walSenders.isEmpty()) {
                throw new IllegalArgumentException(node + " is in recovery (a standby): its WAL senders are not"
                        + " a primary's; leave them out");
            }
        }
    }

    public static NodeObservation unreachable(String node) {
        return new NodeObservation(node, false, false, null, null, 0, WalReceiverStatus.NONE, null, List.of(),
                List.of(), null, null);
    }

    /** The node answered, but with readings that cannot be believed; {@code why} says which. */
    public static NodeObservation unusable(String node, String systemIdentifier, String why) {
        Checks.notNull(why, "why the answer of " + node + " is unusable");
        return new NodeObservation(node, true, false, null, null, 0, WalReceiverStatus.NONE, null, List.of(),
                List.of(), systemIdentifier, why);
    }

    public static NodeObservation primary(String node, Lsn currentLsn, int timeline, List<String> syncStandbys) {
        return new NodeObservation(node, true, false, currentLsn, currentLsn, timeline, WalReceiverStatus.NONE,
                null, syncStandbys, List.of(), null, null);
    }

    public static NodeObservation standby(String node, Lsn receivedLsn, Lsn replayedLsn, int timeline,
                                          WalReceiverStatus walReceiver, String upstream) {
        return new NodeObservation(node, true, true, receivedLsn, replayedLsn, timeline, walReceiver, upstream,
                List.of(), List.of(), null, null);
    }

    public NodeObservation withSyncStandbys(List<String> names) {
        return new NodeObservation(node, reachable, inRecovery, receivedLsn, replayedLsn, timeline, walReceiver,
                upstream, names, walSenders, systemIdentifier, unusable);
    }

    public NodeObservation withWalSenders(List<WalSender> senders) {
        return new NodeObservation(node, reachable, inRecovery, receivedLsn, replayedLsn, timeline, walReceiver,
                upstream, syncStandbys, senders, systemIdentifier, unusable);
    }

    public NodeObservation withSystemIdentifier(String identifier) {
        return new NodeObservation(node, reachable, inRecovery, receivedLsn, replayedLsn, timeline, walReceiver,
                upstream, syncStandbys, walSenders, identifier, unusable);
    }

    /** Answered with readings that can be believed. */
    public boolean usable() {
        return reachable && unusable == null;
    }

    /** Answered, readings usable, not in recovery: it accepts writes. */
    public boolean writable() {
        return usable() && !inRecovery;
    }

    /** Answered, readings usable, in recovery. */
    public boolean standby() {
        return usable() && inRecovery;
    }

    /** The furthest WAL this node holds: what promoting it would keep. Null when unreachable or unusable. */
    public Lsn position() {
        if (!usable()) {
            return null;
        }
        if (receivedLsn == null || !receivedLsn.isAfter(replayedLsn)) {
            return replayedLsn;
        }
        return receivedLsn;
    }

    public boolean streamsFrom(String other) {
        return walReceiver == WalReceiverStatus.STREAMING && other.equals(upstream);
    }
}

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
 */
public record NodeObservation(String node, boolean reachable, boolean inRecovery, Lsn receivedLsn,
                              Lsn replayedLsn, int timeline, WalReceiverStatus walReceiver, String upstream,
                              List<String> syncStandbys) {

    public NodeObservation {
        Checks.notNull(node, "observed node name");
        Checks.notNull(walReceiver, "WAL receiver status of " + node);
        syncStandbys = Checks.list(syncStandbys, "synchronous standbys of " + node);
        if (!reachable) {
            if (inRecovery || receivedLsn != null || replayedLsn != null || timeline != 0
                    || walReceiver != WalReceiverStatus.NONE || upstream != null || !syncStandbys.isEmpty()) {
                throw new IllegalArgumentException("observation of unreachable node " + node + " carries readings;"
                        + " use NodeObservation.unreachable");
            }
        } else {
            Checks.notNull(replayedLsn, "replayed LSN of " + node);
            if (timeline < 1) {
                throw new IllegalArgumentException("timeline of " + node + " must be at least 1, was " + timeline);
            }
            if (!inRecovery && (walReceiver != WalReceiverStatus.NONE || upstream != null)) {
                throw new IllegalArgumentException(node + " is not in recovery (a primary) yet reports a WAL receiver");
            }
        }
    }

    public static NodeObservation unreachable(String node) {
        return new NodeObservation(node, false, false, null, null, 0, WalReceiverStatus.NONE, null, List.of());
    }

    public static NodeObservation primary(String node, Lsn currentLsn, int timeline, List<String> syncStandbys) {
        return new NodeObservation(node, true, false, currentLsn, currentLsn, timeline, WalReceiverStatus.NONE,
                null, syncStandbys);
    }

    public static NodeObservation standby(String node, Lsn receivedLsn, Lsn replayedLsn, int timeline,
                                          WalReceiverStatus walReceiver, String upstream) {
        return new NodeObservation(node, true, true, receivedLsn, replayedLsn, timeline, walReceiver, upstream,
                List.of());
    }

    public NodeObservation withSyncStandbys(List<String> names) {
        return new NodeObservation(node, reachable, inRecovery, receivedLsn, replayedLsn, timeline, walReceiver,
                upstream, names);
    }

    /** Reachable and not in recovery: it accepts writes. */
    public boolean writable() {
        return reachable && !inRecovery;
    }

    /** Reachable and in recovery. */
    public boolean standby() {
        return reachable && inRecovery;
    }

    /** The furthest WAL this node holds: what promoting it would keep. Null when unreachable. */
    public Lsn position() {
        if (receivedLsn == null || !receivedLsn.isAfter(replayedLsn)) {
            return replayedLsn;
        }
        return receivedLsn;
    }

    public boolean streamsFrom(String other) {
        return walReceiver == WalReceiverStatus.STREAMING && other.equals(upstream);
    }
}

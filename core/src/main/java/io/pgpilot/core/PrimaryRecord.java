package io.pgpilot.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What pgpilot last saw of a cluster's primary, kept durably (the state table) because the
 * primary cannot be asked once it has failed: where its WAL was, which standbys its commits
 * waited for, and how far each of those had confirmed. It is also the cluster's identity: the
 * PostgreSQL system identifier every member shares.
 *
 * @param cluster          the pgpilot cluster it was recorded for
 * @param primary          the node that was writable
 * @param systemIdentifier the database's system identifier
 * @param timeline         the primary's timeline
 * @param position         pg_current_wal_lsn(): every commit it had acknowledged lies before it
 * @param syncStandbys     its synchronous_standby_names at that moment: the only standbys that
 *                         could have confirmed a commit it acknowledged. Before pgpilot changes the
 *                         setting it records the union of the old and the new names, so the record
 *                         never names fewer standbys than may confirm commits.
 * @param confirmed        the flush position each synchronous standby had confirmed (pg_stat_replication)
 * @param at               when it was observed
 */
public record PrimaryRecord(String cluster, String primary, String systemIdentifier, int timeline, Lsn position,
                            List<String> syncStandbys, Map<String, Lsn> confirmed, Instant at) {

    public PrimaryRecord {
        Checks.notNull(cluster, "cluster of the primary record");
        Checks.notNull(primary, "primary of the primary record");
        Checks.notNull(systemIdentifier, "system identifier of the primary record");
        if (timeline < 1) {
            throw new IllegalArgumentException("timeline of the primary record must be at least 1, was " + timeline);
        }
        Checks.notNull(position, "position of the primary record");
        syncStandbys = Checks.list(syncStandbys, "synchronous standbys of the primary record");
        confirmed = Checks.orderedMap(confirmed, "confirmed positions of the primary record");
        Checks.notNull(at, "time of the primary record");
    }

    /**
     * The record of {@code seen}, a writable node observed at {@code at}: its position, its
     * synchronous_standby_names and what its synchronous WAL senders had confirmed.
     */
    public static PrimaryRecord of(String cluster, NodeObservation seen, Instant at) {
        Checks.notNull(seen, "observed primary");
        if (!seen.writable() || seen.systemIdentifier() == null) {
            throw new IllegalArgumentException(seen.node() + " was not seen as a primary with a system identifier");
        }
        Map<String, Lsn> confirmed = new LinkedHashMap<>();
        for (WalSender sender : seen.walSenders()) {
            if (sender.synchronous() && sender.flushed() != null) {
                confirmed.merge(sender.standby(), sender.flushed(), (a, b) -> a.isAfter(b) ? a : b);
            }
        }
        return new PrimaryRecord(cluster, seen.node(), seen.systemIdentifier(), seen.timeline(), seen.position(),
                seen.syncStandbys(), confirmed, at);
    }

    /** This record naming {@code names} too: written before the primary's setting changes to them. */
    public PrimaryRecord widenedBy(List<String> names, Instant when) {
        Set<String> union = new LinkedHashSet<>(syncStandbys);
        union.addAll(Checks.list(names, "synchronous standbys to add"));
        return new PrimaryRecord(cluster, primary, systemIdentifier, timeline, position, new ArrayList<>(union),
                confirmed, when);
    }

    /** The setting named any standby ("*"): every standby could have confirmed. */
    public boolean anyStandby() {
        return syncStandbys.contains("*");
    }
}

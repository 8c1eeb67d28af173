package io.pgpilot.core.ports;

/**
 * The WAL archive as the primary sees it.
 *
 * @param waitingSegments completed WAL segments not archived yet (archive_status/*.ready): what a
 *                        loss of the whole cluster would take with it
 * @param failing         the last archive attempt failed (pg_stat_archiver's last failure is newer
 *                        than its last success); PostgreSQL keeps the WAL and retries
 */
public record ArchiveStatus(int waitingSegments, boolean failing) {

    public ArchiveStatus {
        if (waitingSegments < 0) {
            throw new IllegalArgumentException("waiting segments cannot be negative, was " + waitingSegments);
        }
    }
}

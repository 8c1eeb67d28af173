package io.pgpilot.core;

/** pg_stat_wal_receiver.status of a standby; NONE when it has no WAL receiver (a primary, or none running). */
public enum WalReceiverStatus {
    NONE,
    STARTING,
    STREAMING,
    WAITING,
    RESTARTING,
    STOPPING,
    STOPPED
}

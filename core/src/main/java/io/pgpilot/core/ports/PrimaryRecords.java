package io.pgpilot.core.ports;

import io.pgpilot.core.PrimaryRecord;
import java.util.Optional;

/** The durable record of each cluster's primary as last seen: implemented by the adapter DynamoDbPrimaryRecords. */
public interface PrimaryRecords {

    /** What a write did. */
    enum Write {
        /** The record is now the one written. */
        WRITTEN,
        /** A record observed later is already there; it stays. */
        OLDER,
        /** The stored record is of another database (another system identifier); it stays. */
        OTHER_DATABASE
    }

    /** The cluster's record, or empty when none was ever written. */
    Optional<PrimaryRecord> read(String cluster);

    /** Stores {@code record} unless a later one, or one of another database, is there already. */
    Write write(PrimaryRecord record);
}

package io.pgpilot.core.ports;

import java.time.Duration;
import java.time.Instant;

/** Event ids already handled (at-least-once delivery): implemented by the adapter DynamoDbEventLedger. */
public interface EventLedger {

    /** True on the first delivery of {@code eventId}, false on a redelivery within {@code retention}. */
    boolean markProcessed(String cluster, String eventId, Instant now, Duration retention);

    /** Forgets the event, so that a redelivery is handled again: for an event whose handling failed. */
    void forget(String cluster, String eventId);
}

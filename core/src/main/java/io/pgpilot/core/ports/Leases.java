package io.pgpilot.core.ports;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The cluster lease: events arrive at least once and alarms flap, so only the holder acts.
 * Time is passed in, never read here.
 */
public interface Leases {

    /** Grants the lease to {@code owner} when nobody holds it or the holder's lease has run out. */
    Optional<Lease> tryAcquire(String cluster, String owner, Duration duration, Instant now);

    /**
     * Extends a lease still held: same owner, same epoch, not yet run out. A lease that ran out
     * is not renewed even if nobody took it: acquire again, which bumps the epoch.
     */
    Optional<Lease> renew(Lease lease, Duration duration, Instant now);

    /** Gives the lease up; false when it was no longer this holder's. */
    boolean release(Lease lease, Instant now);

    /** Who holds the lease at {@code now}, if anyone: to say why a refused event did nothing. */
    Optional<Lease> holder(String cluster, Instant now);
}

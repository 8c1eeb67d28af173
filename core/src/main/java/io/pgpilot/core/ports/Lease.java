package io.pgpilot.core.ports;

import io.pgpilot.core.Checks;
import java.time.Instant;

/**
 * A cluster's lease as granted: one failover per cluster at a time.
 *
 * @param epoch  grows by one with every grant and never goes back, so it orders holders: a
 *               holder whose epoch is no longer the table's knows it lost the lease, even if its
 *               owner name came back
 * @param cutOff on a fresh grant, the previous holder when it never released the lease (its run
 *               was killed, by its timeout or otherwise); null otherwise
 */
public record Lease(String cluster, String owner, long epoch, Instant expiresAt, Predecessor cutOff) {

    /** A holder whose lease ran out without being released: its run ended without finishing. */
    public record Predecessor(String owner, long epoch, Instant expiredAt) {
    }

    /** A lease as it is held, whoever held it before. */
    public Lease(String cluster, String owner, long epoch, Instant expiresAt) {
        this(cluster, owner, epoch, expiresAt, null);
    }

    public Lease {
        Checks.requireText(cluster, "cluster of a lease");
        Checks.requireText(owner, "owner of a lease");
        if (epoch < 1) {
            throw new IllegalArgumentException("lease epoch must be at least 1, was " + epoch);
        }
        if (expiresAt == null) {
            throw new IllegalArgumentException("lease expiry is missing (null)");
        }
    }

    public boolean expiredAt(Instant now) {
        return !now.isBefore(expiresAt);
    }
}

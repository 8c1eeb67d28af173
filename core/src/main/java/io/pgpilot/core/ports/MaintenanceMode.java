package io.pgpilot.core.ports;

import io.pgpilot.core.Maintenance;
import java.time.Instant;
import java.util.Optional;

/** Each cluster's maintenance mode (pause, resume): implemented by the adapter DynamoDbMaintenanceMode. */
public interface MaintenanceMode {

    /** The cluster's pause that holds at {@code now}; empty when it is not paused (or its pause ended). */
    Optional<Maintenance> current(String cluster, Instant now);

    /** Pauses the cluster, replacing a pause it may have (a new end, a new owner). */
    void pause(String cluster, Maintenance maintenance);

    /** Ends the cluster's pause; false when it had none holding at {@code now}. */
    boolean resume(String cluster, Instant now);
}

package io.pgpilot.core.ports;

import io.pgpilot.core.AuroraObservation;
import java.util.Map;

/** Looks at an Aurora endpoint (a DNS name): implemented by the adapter JdbcProbe in Aurora mode. */
public interface EndpointProbe {

    /**
     * Whether the endpoint answers, and as a writer or read-only. Never throws for an endpoint that
     * cannot be reached: that is an observation.
     *
     * @throws IllegalStateException when the server answers but refuses the probe (authentication,
     *         privilege): a fault of pgpilot's set-up, never a reason to fail the writer over
     */
    AuroraObservation.Endpoint answer(String host);

    /**
     * Each instance's replica lag in milliseconds as aurora_replica_status() reports it through
     * {@code host} (the reader endpoint): best effort, empty when it cannot be read.
     */
    Map<String, Long> replicaLagMillis(String host);
}

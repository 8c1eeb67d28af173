package io.pgpilot.core.ports;

import io.pgpilot.core.Checks;
import java.time.Duration;

/** One node's readings in a probe; null lags were not measured. */
public record NodeSample(String node, boolean reachable, Long lagBytes, Duration lagTime) {

    public NodeSample {
        Checks.requireText(node, "node name of a metric sample");
    }
}

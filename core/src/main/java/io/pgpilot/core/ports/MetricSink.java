package io.pgpilot.core.ports;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Where probe readings and phase timings go: implemented by the adapter CloudWatchMetricSink. */
public interface MetricSink {

    void publishProbe(String cluster, boolean primaryReachable, List<NodeSample> nodes, Instant at);

    void publishPhases(String cluster, Map<String, Duration> phases, Instant at);

    void publishArchive(String cluster, ArchiveStatus archive, Instant at);
}

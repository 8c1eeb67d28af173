package io.pgpilot.adapters;

import io.pgpilot.core.ports.ArchiveStatus;
import io.pgpilot.core.ports.MetricSink;
import io.pgpilot.core.ports.NodeSample;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.MetricDatum;
import software.amazon.awssdk.services.cloudwatch.model.StandardUnit;

/**
 * CloudWatch metrics of a cluster, for the dashboard and the alarms:
 * <ul>
 *   <li>PrimaryReachable (Cluster): 1 or 0. The dimension is the cluster, not the node, so an
 *       alarm on it keeps working when another node becomes primary.</li>
 *   <li>NodeReachable, ReplicationLagBytes, ReplicationLagSeconds (Cluster, Node): per node;
 *       a lag not measured in a probe is left out rather than sent as 0.</li>
 *   <li>FailoverPhaseDuration (Cluster, Phase), milliseconds: how long each phase of a transition took.</li>
 *   <li>ArchiveWaitingSegments and ArchiveFailing (Cluster): the primary's WAL archive, per cluster
 *       like PrimaryReachable, so the alarms on them follow the primary.</li>
 * </ul>
 */
public final class CloudWatchMetricSink implements MetricSink {


    /** PutMetricData takes at most 1000 data per call; a cluster's probe sends a few. */
    private static final int PER_CALL = 1000;

    private final CloudWatchClient cloudWatch;
    private final String namespace;

    public CloudWatchMetricSink(String namespace) {
        this(AwsClients.fromEnvironment(CloudWatchClient.builder()), namespace);
    }

    public CloudWatchMetricSink(CloudWatchClient cloudWatch, String namespace) {
        this.cloudWatch = cloudWatch;
        this.namespace = AwsClients.requireText(namespace, "metric namespace");
    }

    @Override
    public void publishProbe(String cluster, boolean primaryReachable, List<NodeSample> nodes, Instant at) {
        List<MetricDatum> data = new ArrayList<>();
        data.add(datum("PrimaryReachable", primaryReachable ? 1 : 0, StandardUnit.COUNT, at,
                dimension("Cluster", cluster)));
        for (NodeSample node : nodes) {
            Dimension[] dimensions = {dimension("Cluster", cluster), dimension("Node", node.node())};
            data.add(datum("NodeReachable", node.reachable() ? 1 : 0, StandardUnit.COUNT, at, dimensions));
            if (node.lagBytes() != null) {
                data.add(datum("ReplicationLagBytes", node.lagBytes(), StandardUnit.BYTES, at, dimensions));
            }
            if (node.lagTime() != null) {
                data.add(datum("ReplicationLagSeconds", node.lagTime().toMillis() / 1000.0, StandardUnit.SECONDS, at,
                        dimensions));
            }
        }
        put(data);
    }

    @Override
    public void publishPhases(String cluster, Map<String, Duration> phases, Instant at) {
        List<MetricDatum> data = new ArrayList<>();
        phases.forEach((phase, took) -> data.add(datum("FailoverPhaseDuration", took.toMillis(),
                StandardUnit.MILLISECONDS, at, dimension("Cluster", cluster), dimension("Phase", phase))));
        put(data);
    }

    @Override
    public void publishArchive(String cluster, ArchiveStatus archive, Instant at) {
        put(List.of(
                datum("ArchiveWaitingSegments", archive.waitingSegments(), StandardUnit.COUNT, at,
                        dimension("Cluster", cluster)),
                datum("ArchiveFailing", archive.failing() ? 1 : 0, StandardUnit.COUNT, at, dimension("Cluster", cluster))));
    }

    private void put(List<MetricDatum> data) {
        for (int from = 0; from < data.size(); from += PER_CALL) {
            List<MetricDatum> batch = data.subList(from, Math.min(data.size(), from + PER_CALL));
            cloudWatch.putMetricData(r -> r.namespace(namespace).metricData(batch));
        }
    }

    private static MetricDatum datum(String name, double value, StandardUnit unit, Instant at, Dimension... dimensions) {
        if (at == null) {
            throw new IllegalArgumentException("time of metric " + name + " is missing (null)");
        }
        return MetricDatum.builder().metricName(name).value(value).unit(unit).timestamp(at).dimensions(dimensions)
                .build();
    }

    private static Dimension dimension(String name, String value) {
        return Dimension.builder().name(name).value(AwsClients.requireText(value, name)).build();
    }
}

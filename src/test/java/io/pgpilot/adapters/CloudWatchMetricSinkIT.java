package io.pgpilot.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgpilot.core.ports.NodeSample;
import io.pgpilot.lab.LabExtension;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.Datapoint;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.Statistic;


/** What the dashboard and the alarms read back. */
@ExtendWith(LabExtension.class)
class CloudWatchMetricSinkIT {

  @Test
  void givenAProbeAndAFailover_whenPublished_thenEachMetricReadsBackUnderItsDimensions() {
    try (CloudWatchClient cloudWatch = Emulator.client(CloudWatchClient.builder())) {
      String namespace = Emulator.unique("pgpilot-it");
      Instant at = Instant.now().truncatedTo(ChronoUnit.SECONDS);
      CloudWatchMetricSink metrics = new CloudWatchMetricSink(cloudWatch, namespace);

      metrics.publishProbe("main", false, List.of(
          new NodeSample("pg1", false, null, null),
          new NodeSample("pg2", true, 1024L, Duration.ofMillis(1500)),
          new NodeSample("pg3", true, 4096L, null)), at);
      metrics.publishPhases("main", Map.of("fence", Duration.ofMillis(450), "promote", Duration.ofMillis(38)), at);

      Set<String> published = cloudWatch.listMetrics(r -> r.namespace(namespace)).metrics().stream()
          .map(m -> m.metricName() + m.dimensions().stream().map(d -> d.name() + "=" + d.value()).sorted()
              .collect(Collectors.joining(",", "{", "}")))
          .collect(Collectors.toSet());
      assertEquals(Set.of("PrimaryReachable{Cluster=main}",
          "NodeReachable{Cluster=main,Node=pg1}", "NodeReachable{Cluster=main,Node=pg2}",
          "NodeReachable{Cluster=main,Node=pg3}",
          "ReplicationLagBytes{Cluster=main,Node=pg2}", "ReplicationLagBytes{Cluster=main,Node=pg3}",
          "ReplicationLagSeconds{Cluster=main,Node=pg2}",
          "FailoverPhaseDuration{Cluster=main,Phase=fence}", "FailoverPhaseDuration{Cluster=main,Phase=promote}"),
          published);
      assertEquals(0.0, maximum(cloudWatch, namespace, "PrimaryReachable", at, dimension("Cluster", "main")));
      assertEquals(1024.0, maximum(cloudWatch, namespace, "ReplicationLagBytes", at, dimension("Cluster", "main"),
          dimension("Node", "pg2")));
      assertEquals(1.5, maximum(cloudWatch, namespace, "ReplicationLagSeconds", at, dimension("Cluster", "main"),
          dimension("Node", "pg2")));
      assertEquals(38.0, maximum(cloudWatch, namespace, "FailoverPhaseDuration", at, dimension("Cluster", "main"),
          dimension("Phase", "promote")));
    }
  }

  private static double maximum(CloudWatchClient cloudWatch, String namespace, String metric, Instant at,
      Dimension... dimensions) {
    List<Datapoint> points = cloudWatch.getMetricStatistics(r -> r.namespace(namespace).metricName(metric)
        .dimensions(dimensions).startTime(at.minusSeconds(60)).endTime(at.plusSeconds(60)).period(60)
        .statistics(Statistic.MAXIMUM)).datapoints();
    return points.stream().mapToDouble(Datapoint::maximum).max().orElseThrow(() -> new AssertionError(
        "no data point of " + metric + " " + List.of(dimensions)));
  }

  private static Dimension dimension(String name, String value) {
    return Dimension.builder().name(name).value(value).build();
  }
}

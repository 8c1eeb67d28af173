package io.pgpilot.cdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Template;

class ObservabilityTest {

  private final Synth.Result ec2 = Synth.ec2();
  private final Template template = ec2.template();

  @Test
  void everyAlarmCarriesTheClusterPrefixTheAlarmRuleMatches() {
    // FailureAlerts' alarms, on the automation itself, are the others (FailureAlertsTest).
    TreeSet<String> names = new TreeSet<>();
    ec2.resources("AWS::CloudWatch::Alarm").forEach((id, a) -> {
      if (id.startsWith("ClusterObservability")) {
        names.add(String.valueOf(Synth.Result.properties(a).get("AlarmName")));
      }
    });
    assertEquals(new TreeSet<>(List.of("pgpilot-main-primary-unreachable",
        "pgpilot-main-pg1-status-check-failed", "pgpilot-main-pg2-status-check-failed",
        "pgpilot-main-pg3-status-check-failed", "pgpilot-main-pg2-replication-lag",
        "pgpilot-main-pg3-replication-lag")), names);
    template.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of(
        "AlarmName", "pgpilot-main-primary-unreachable", "Namespace", "pgpilot", "MetricName", "PrimaryReachable",
        "Dimensions", List.of(Map.of("Name", "Cluster", "Value", "main")),
        "ComparisonOperator", "LessThanThreshold", "Threshold", 1, "TreatMissingData", "missing"));
    template.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of(
        "AlarmName", "pgpilot-main-pg1-status-check-failed", "Namespace", "AWS/EC2", "MetricName", "StatusCheckFailed"));
    template.resourceCountIs("AWS::CloudWatch::Dashboard", 1);
    Synth.aurora().template().hasResourceProperties("AWS::CloudWatch::Alarm", Map.of(
        "AlarmName", "pgpilot-main-aurora-replica-lag", "MetricName", "AuroraReplicaLagMaximum"));
  }

  @Test
  void metricNamesAreThoseTheFunctionsPublish() throws Exception {
    Path metrics = Synth.root().resolve("functions/src/main/java/io/pgpilot/adapters/CloudWatchMetricSink.java");
    Assumptions.assumeTrue(Files.exists(metrics), "functions' CloudWatchMetricSink.java is not in this checkout");
    String source = Files.readString(metrics);
    for (String name : List.of(Observability.PRIMARY_REACHABLE, Observability.NODE_REACHABLE,
        Observability.REPLICATION_LAG_BYTES, Observability.FAILOVER_PHASE_DURATION)) {
      assertTrue(source.contains("\"" + name + "\""), name + " is published by CloudWatchMetricSink.java");
    }
    assertTrue(ec2.json().contains("FailoverPhaseDuration"));
  }
}

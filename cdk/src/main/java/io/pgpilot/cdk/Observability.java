package io.pgpilot.cdk;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.AlarmStatusWidget;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.Dashboard;
import software.amazon.awscdk.services.cloudwatch.GraphWidget;
import software.amazon.awscdk.services.cloudwatch.IAlarm;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.IWidget;
import software.amazon.awscdk.services.cloudwatch.MathExpression;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.lambda.IFunction;
import software.constructs.Construct;

/**
 * Alarms and a dashboard. Every alarm is named pgpilot-{cluster}-…, the prefix the automation's
 * alarm rule and the functions recognise: going to ALARM calls the Alarm function, which confirms
 * before it acts. Metric names are those the functions publish (adapters/CloudWatchMetricSink.java).
 */
public final class Observability extends Construct {

  static final String PRIMARY_REACHABLE = "PrimaryReachable";
  static final String NODE_REACHABLE = "NodeReachable";
  static final String REPLICATION_LAG_BYTES = "ReplicationLagBytes";
  static final String FAILOVER_PHASE_DURATION = "FailoverPhaseDuration";

  private final Map<String, Alarm> alarms = new LinkedHashMap<>();
  private final Dashboard dashboard;

  public Observability(Construct scope, String id, ObservabilityProps props) {
    super(scope, id);
    String cluster = props.clusterName();
    String prefix = FailoverAutomation.alarmPrefix(cluster);
    Metric primaryReachable = pgpilot(PRIMARY_REACHABLE, Map.of("Cluster", cluster), "Minimum");
    // Missing data is the monitor not running, not the primary down: it must not start a failover.
    alarm("PrimaryUnreachable", prefix + "primary-unreachable", "the monitor found the primary unreachable",
        primaryReachable, 1, ComparisonOperator.LESS_THAN_THRESHOLD, 2);
    for (DatabaseTier.Node node : props.nodes()) {
      Metric status = Metric.Builder.create().namespace("AWS/EC2").metricName("StatusCheckFailed")
          .dimensionsMap(Map.of("InstanceId", node.instanceId())).statistic("Maximum").period(Duration.minutes(1))
          .build();
      alarm(node.name() + "StatusCheck", prefix + node.name() + "-status-check-failed",
          node.name() + " fails its EC2 status checks", status, 1,
          ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 2);
      if (!node.primary()) {
        alarm(node.name() + "ReplicationLag", prefix + node.name() + "-replication-lag",
            node.name() + " is more than " + props.replicationLagBytes() + " bytes behind the primary",
            pgpilot(REPLICATION_LAG_BYTES, Map.of("Cluster", cluster, "Node", node.name()), "Maximum"),
            props.replicationLagBytes(), ComparisonOperator.GREATER_THAN_THRESHOLD, 5);
      }
    }
    if (props.auroraCluster() != null) {
      Metric lag = Metric.Builder.create().namespace("AWS/RDS").metricName("AuroraReplicaLagMaximum")
          .dimensionsMap(Map.of("DBClusterIdentifier", props.auroraCluster().getClusterIdentifier()))
          .statistic("Maximum").period(Duration.minutes(1)).build();
      alarm("AuroraReplicaLag", prefix + "aurora-replica-lag", "an Aurora reader lags more than "
          + props.auroraReplicaLagMillis() + " ms", lag, props.auroraReplicaLagMillis(),
          ComparisonOperator.GREATER_THAN_THRESHOLD, 5);
    }
    dashboard = Dashboard.Builder.create(this, "Dashboard")
        .dashboardName(prefix.replace('.', '-') + "dashboard")
        .widgets(List.of(widgets(props, primaryReachable)))
        .build();
  }

  private List<IWidget> widgets(ObservabilityProps props, Metric primaryReachable) {
    String cluster = props.clusterName();
    List<IWidget> row = new ArrayList<>();
    row.add(AlarmStatusWidget.Builder.create().title("pgpilot " + cluster + " alarms")
        .alarms(new ArrayList<IAlarm>(alarms.values())).width(24).build());
    List<IMetric> reachable = new ArrayList<>(List.of(primaryReachable));
    List<IMetric> lag = new ArrayList<>();
    for (DatabaseTier.Node node : props.nodes()) {
      reachable.add(pgpilot(NODE_REACHABLE, Map.of("Cluster", cluster, "Node", node.name()), "Minimum"));
      lag.add(pgpilot(REPLICATION_LAG_BYTES, Map.of("Cluster", cluster, "Node", node.name()), "Maximum"));
    }
    row.add(graph("Reachable (1 = yes)", reachable));
    if (!lag.isEmpty()) {
      row.add(graph("Replication lag, bytes", lag));
    }
    row.add(graph("Failover phases, ms", List.of(MathExpression.Builder.create()
        .expression("SEARCH('{" + Defaults.METRICS_NAMESPACE + ",Cluster,Phase} MetricName=\"" + FAILOVER_PHASE_DURATION
            + "\" Cluster=\"" + cluster + "\"', 'Maximum', 60)")
        .label("phase").period(Duration.minutes(1)).build())));
    List<IMetric> errors = new ArrayList<>();
    List<IMetric> durations = new ArrayList<>();
    props.functions().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
      IFunction function = e.getValue();
      errors.add(function.metricErrors());
      durations.add(function.metricDuration());
    });
    row.add(graph("Automation errors", errors));
    row.add(graph("Automation duration", durations));
    if (props.pgpoolTargets() != null) {
      row.add(graph("pgpool hosts healthy", List.of(props.pgpoolTargets().getMetrics().healthyHostCount())));
    }
    return row;
  }

  private static GraphWidget graph(String title, List<IMetric> metrics) {
    return GraphWidget.Builder.create().title(title).left(metrics).width(12).build();
  }

  private static Metric pgpilot(String name, Map<String, String> dimensions, String statistic) {
    return Metric.Builder.create().namespace(Defaults.METRICS_NAMESPACE).metricName(name).dimensionsMap(Ordered.map(dimensions))
        .statistic(statistic).period(Duration.minutes(1)).build();
  }

  private void alarm(String id, String name, String description, Metric metric, double threshold,
                     ComparisonOperator operator, int periods) {
    alarms.put(id, Alarm.Builder.create(this, id)
        .alarmName(name)
        .alarmDescription("pgpilot: " + description)
        .metric(metric)
        .threshold(threshold)
        .comparisonOperator(operator)
        .evaluationPeriods(periods)
        .datapointsToAlarm(periods)
        .treatMissingData(TreatMissingData.MISSING)
        .build());
  }

  public Map<String, Alarm> alarms() {
    return java.util.Collections.unmodifiableMap(alarms);
  }

  public Dashboard dashboard() {
    return dashboard;
  }
}

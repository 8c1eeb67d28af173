package io.pgpilot.cdk;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.DestinationConfig;
import software.amazon.awscdk.services.lambda.DestinationOptions;
import software.amazon.awscdk.services.lambda.EventInvokeConfigOptions;
import software.amazon.awscdk.services.lambda.IDestination;
import software.amazon.awscdk.services.lambda.IFunction;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.constructs.Construct;

/**
 * The automation's own failures, told to the cluster's topic: an alarm on each function's errors
 * and throttles, and a queue that keeps the events EventBridge handed a function whose runs failed
 * after Lambda's retries (or that aged out), with an alarm as soon as it holds one. With a WAL
 * archive, also the archive's: failing for {@link #ARCHIVE_FAILING_MINUTES} minutes, or
 * {@link #ARCHIVE_BACKLOG_SEGMENTS} segments waiting for {@link #ARCHIVE_BACKLOG_MINUTES} (the
 * monitor reads both from the primary each minute).
 *
 * <p>The alarms are named pgpilot.{cluster}.…, never pgpilot-{cluster}-…: the automation's alarm
 * rule sends the cluster's alarms to the Alarm function, which would then run a failover check on
 * its own failure. Every cluster's prefix starts "pgpilot-", so no cluster's rule matches them.
 */
public final class FailureAlerts extends Construct {

  /** A failed event stays for SQS's longest retention, for an operator to read. */
  static final Duration RETENTION = Duration.days(14);

  /** Archiving that fails this long is no blip: S3, the key or the bucket policy refuses. */
  static final int ARCHIVE_FAILING_MINUTES = 5;
  /** 10 segments (160 MB of WAL) a loss of the whole cluster would take with it. */
  static final int ARCHIVE_BACKLOG_SEGMENTS = 10;
  static final int ARCHIVE_BACKLOG_MINUTES = 15;

  private final Queue queue;
  private final SnsAction notify;
  private final Map<String, Alarm> alarms = new LinkedHashMap<>();

  public FailureAlerts(Construct scope, String id, FailureAlertsProps props) {
    super(scope, id);
    String cluster = props.clusterName();
    notify = new SnsAction(props.topic());
    queue = Queue.Builder.create(this, "FailedEvents")
        .encryption(QueueEncryption.KMS)
        .encryptionMasterKey(props.key())
        .enforceSsl(true)
        .retentionPeriod(RETENTION)
        .build();
    NagSuppressions.addResourceSuppressions(queue, List.of(NagPackSuppression.builder().id("AwsSolutions-SQS3")
        .reason("this queue is itself the end of the line for the functions' failed events: an operator reads it"
            + " after its alarm; nothing consumes it, so a dead-letter queue behind it would never receive")
        .build()));
    IDestination failedEvents = new QueueDestination(queue);
    props.asyncInvocations().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e ->
        e.getValue().alias().configureAsyncInvoke(EventInvokeConfigOptions.builder()
            .onFailure(failedEvents)
            .retryAttempts(e.getValue().retryAttempts())
            .maxEventAge(e.getValue().maxEventAge())
            .build()));

    MetricOptions perMinute = MetricOptions.builder().period(Duration.minutes(1)).statistic("Sum").build();
    props.functions().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
      IFunction function = e.getValue();
      alarm(cluster, e.getKey() + "Errors", e.getKey() + "-function-errors",
          "the " + e.getKey() + " function failed a run", function.metricErrors(perMinute));
      alarm(cluster, e.getKey() + "Throttles", e.getKey() + "-function-throttles",
          "Lambda throttled the " + e.getKey() + " function", function.metricThrottles(perMinute));
    });
    alarm(cluster, "FailedEventsVisible", "failed-events", "an event the automation failed to handle waits in"
        + " its failed-events queue", queue.metricApproximateNumberOfMessagesVisible(MetricOptions.builder()
        .period(Duration.minutes(1)).statistic("Maximum").build()));

    if (props.archive()) {
      MetricOptions worst = MetricOptions.builder().period(Duration.minutes(1)).statistic("Maximum").build();
      alarm(cluster, "ArchiveFailing", "archive-failing", "archiving WAL to S3 has failed for "
          + ARCHIVE_FAILING_MINUTES + " minutes: PostgreSQL keeps the WAL until it succeeds (pg_stat_archiver,"
          + " pgBackRest's archive-push log)", archiveMetric(cluster, "ArchiveFailing", worst), 1,
          ARCHIVE_FAILING_MINUTES);
      alarm(cluster, "ArchiveBacklog", "archive-backlog", ARCHIVE_BACKLOG_SEGMENTS + " or more WAL segments have"
          + " waited for the archive for " + ARCHIVE_BACKLOG_MINUTES + " minutes: the archive falls behind the"
          + " primary", archiveMetric(cluster, "ArchiveWaitingSegments", worst), ARCHIVE_BACKLOG_SEGMENTS,
          ARCHIVE_BACKLOG_MINUTES);
    }

    allowAlarmsToNotify(props, cluster);
  }

  private static IMetric archiveMetric(String cluster, String name, MetricOptions options) {
    return Metric.Builder.create().namespace(Defaults.METRICS_NAMESPACE).metricName(name)
        .dimensionsMap(Map.of("Cluster", cluster)).period(options.getPeriod()).statistic(options.getStatistic())
        .build();
  }

  /** Alarms whose names start with this are FailureAlerts'; the automation's alarm rule never sees them. */
  public static String alarmPrefix(String cluster) {
    return "pgpilot." + cluster + ".";
  }

  private void alarm(String cluster, String id, String name, String description, IMetric metric) {
    alarm(cluster, id, name, description, metric, 1, 1);
  }

  private void alarm(String cluster, String id, String name, String description, IMetric metric, double threshold,
                     int minutes) {
    Alarm alarm = Alarm.Builder.create(this, id)
        .alarmName(alarmPrefix(cluster) + name)
        .alarmDescription("pgpilot: " + description)
        .metric(metric)
        .threshold(threshold)
        .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
        .evaluationPeriods(minutes)
        .datapointsToAlarm(minutes)
        // No data is no failure: an idle function reports no errors, an empty queue no messages, a
        // primary that does not answer no archive (PrimaryReachable's alarm tells that).
        .treatMissingData(TreatMissingData.NOT_BREACHING)
        .build();
    alarm.addAlarmAction(notify);
    alarms.put(id, alarm);
  }

  /**
   * CloudWatch publishes an alarm's notification itself: the topic's policy (which otherwise only
   * refuses plain HTTP) must let it, for these alarms only, and the topic's key must let it encrypt.
   */
  private void allowAlarmsToNotify(FailureAlertsProps props, String cluster) {
    Stack stack = Stack.of(this);
    ServicePrincipal cloudwatch = new ServicePrincipal("cloudwatch.amazonaws.com");
    props.topic().addToResourcePolicy(PolicyStatement.Builder.create()
        .sid("FailureAlarmsPublish")
        .principals(List.of(cloudwatch))
        .actions(List.of("sns:Publish"))
        .resources(List.of(props.topic().getTopicArn()))
        .conditions(Ordered.map(Map.of(
            "ArnLike", Map.of("aws:SourceArn", stack.formatArn(ArnComponents.builder().service("cloudwatch")
                .resource("alarm").resourceName(alarmPrefix(cluster) + "*")
                .arnFormat(ArnFormat.COLON_RESOURCE_NAME).build())),
            "StringEquals", Map.of("aws:SourceAccount", stack.getAccount()))))
        .build());
    props.key().addToResourcePolicy(PolicyStatement.Builder.create()
        .sid("FailureAlarmsEncryptNotifications")
        .principals(List.of(cloudwatch))
        .actions(List.of("kms:GenerateDataKey", "kms:Decrypt"))
        .resources(List.of("*"))
        .build());
  }

  /**
   * The queue as Lambda's on-failure destination. Not SqsDestination: its grant adds kms:ReEncrypt*
   * and kms:GenerateDataKey* on the key, where pgpilot names every action. The role's kms:GenerateDataKey
   * and kms:Decrypt on the key come with the topic (FailureAlertsProps.key), so this adds sqs:SendMessage.
   */
  private record QueueDestination(Queue queue) implements IDestination {

    @Override
    public DestinationConfig bind(Construct scope, IFunction fn) {
      return bind(scope, fn, null);
    }

    @Override
    public DestinationConfig bind(Construct scope, IFunction fn, DestinationOptions options) {
      fn.addToRolePolicy(PolicyStatement.Builder.create()
          .actions(List.of("sqs:SendMessage")).resources(List.of(queue.getQueueArn())).build());
      return DestinationConfig.builder().destination(queue.getQueueArn()).build();
    }
  }

  public Queue queue() {
    return queue;
  }

  public Map<String, Alarm> alarms() {
    return java.util.Collections.unmodifiableMap(alarms);
  }
}

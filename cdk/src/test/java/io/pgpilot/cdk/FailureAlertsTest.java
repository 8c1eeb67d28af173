package io.pgpilot.cdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awscdk.CfnElement;
import software.amazon.awscdk.assertions.Match;
import software.constructs.IConstruct;

class FailureAlertsTest {

  private final Synth.Result ec2 = Synth.ec2();

  @ParameterizedTest
  @EnumSource(Engine.class)
  void everyFunctionsErrorsAndThrottlesAndTheQueueRaiseAnAlarmToTheTopic(Engine engine) {
    Synth.Result result = Synth.of(engine);
    Map<String, Object> topic = ref(result, result.cluster().automation().topic());
    Map<String, Map<String, Object>> alarms = failureAlarms(result);
    // Aurora keeps its own continuous backup: no archive alarms, no Backup function.
    int archive = engine == Engine.EC2 ? 4 : 0;
    assertEquals(11 + archive, alarms.size(), alarms.keySet().toString());
    assertEquals(11 + archive, result.cluster().failureAlerts().alarms().size());
    for (String name : result.cluster().automation().functions().keySet()) {
      Map<String, Object> function = ref(result, result.cluster().automation().functions().get(name));
      for (String metric : List.of("Errors", "Throttles")) {
        Map<String, Object> alarm = alarms.get("pgpilot.main." + name + "-function-" + metric.toLowerCase());
        assertEquals(Map.of("AlarmActions", List.of(topic), "Namespace", "AWS/Lambda", "MetricName", metric,
            "Dimensions", List.of(Map.of("Name", "FunctionName", "Value", function)), "Statistic", "Sum",
            "Period", 60, "EvaluationPeriods", 1, "Threshold", 1, "ComparisonOperator",
            "GreaterThanOrEqualToThreshold"), subset(alarm), name + " " + metric);
        assertEquals("notBreaching", alarm.get("TreatMissingData"));
      }
    }
    Map<String, Object> queue = alarms.get("pgpilot.main.failed-events");
    assertEquals(Map.of("AlarmActions", List.of(topic), "Namespace", "AWS/SQS",
        "MetricName", "ApproximateNumberOfMessagesVisible", "Dimensions", List.of(Map.of("Name", "QueueName",
            "Value", Map.of("Fn::GetAtt", List.of(logicalId(result, result.cluster().failureAlerts().queue()),
                "QueueName")))), "Statistic", "Maximum", "Period", 60, "EvaluationPeriods", 1, "Threshold", 1,
        "ComparisonOperator", "GreaterThanOrEqualToThreshold"), subset(queue));
    assertEquals("notBreaching", queue.get("TreatMissingData"));
  }

  @Test
  void theWalArchiveFailingForFiveMinutesOrFallingBehindForFifteenIsToldToTheTopic() {
    Map<String, Object> topic = ref(ec2, ec2.cluster().automation().topic());
    Map<String, Map<String, Object>> alarms = failureAlarms(ec2);
    List<Map<String, String>> cluster = List.of(Map.of("Name", "Cluster", "Value", "main"));
    assertEquals(Map.of("AlarmActions", List.of(topic), "Namespace", "pgpilot", "MetricName", "ArchiveFailing",
        "Dimensions", cluster, "Statistic", "Maximum", "Period", 60, "EvaluationPeriods", 5, "Threshold", 1,
        "ComparisonOperator", "GreaterThanOrEqualToThreshold"), subset(alarms.get("pgpilot.main.archive-failing")));
    assertEquals(Map.of("AlarmActions", List.of(topic), "Namespace", "pgpilot", "MetricName",
        "ArchiveWaitingSegments", "Dimensions", cluster, "Statistic", "Maximum", "Period", 60, "EvaluationPeriods", 15,
        "Threshold", 10, "ComparisonOperator", "GreaterThanOrEqualToThreshold"),
        subset(alarms.get("pgpilot.main.archive-backlog")));
    // A primary that does not answer sends no archive reading: PrimaryReachable's alarm tells that.
    assertEquals("notBreaching", alarms.get("pgpilot.main.archive-failing").get("TreatMissingData"));
  }

  @Test
  void theAlarmRuleMatchesNoneOfThemAndStillEveryObservabilityAlarm() {
    Map<String, Object> pattern = alarmRulePattern();
    TreeSet<String> failure = new TreeSet<>(failureAlarms(ec2).keySet());
    TreeSet<String> observability = new TreeSet<>();
    ec2.resources("AWS::CloudWatch::Alarm").forEach((id, alarm) -> {
      if (id.startsWith("ClusterObservability")) {
        observability.add(String.valueOf(Synth.Result.properties(alarm).get("AlarmName")));
      }
    });
    assertEquals(6, observability.size());
    for (String name : observability) {
      assertTrue(EventPatterns.matchesAlarm(pattern, name), "the rule must call the Alarm function for " + name);
    }
    for (String name : failure) {
      assertFalse(EventPatterns.matchesAlarm(pattern, name),
          "the Alarm function would run on its own failure: the rule matches " + name);
    }
  }

  @Test
  void noClustersAlarmRuleMatchesAnotherClustersFailureAlarms() {
    // Two clusters in one account and region: every cluster's rule prefix starts "pgpilot-", every
    // failure alarm "pgpilot.", whatever the names (the tricky ones make one name a part of another).
    List<String> clusters = List.of("main", "automation-main", "main.Alarm-function", "pgpilot", "a", "a.b", "A_1");
    for (String rule : clusters) {
      Map<String, Object> pattern = Map.of("detail", Map.of(
          "alarmName", List.of(Map.of("prefix", FailoverAutomation.alarmPrefix(rule))),
          "state", Map.of("value", List.of("ALARM"))));
      for (String cluster : clusters) {
        String name = FailureAlerts.alarmPrefix(cluster) + "Alarm-function-errors";
        assertFalse(EventPatterns.matchesAlarm(pattern, name), rule + "'s rule matches " + name);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  @SuppressWarnings("unchecked")
  void eachAliasEventBridgeInvokesSendsItsFailedEventsToTheQueueAfterExplicitRetries(Engine engine) {
    Synth.Result result = Synth.of(engine);
    FailoverAutomation automation = result.cluster().automation();
    Map<String, Object> queueArn = Map.of("Fn::GetAtt",
        List.of(logicalId(result, result.cluster().failureAlerts().queue()), "Arn"));
    Map<String, Integer> retries = new TreeMap<>();
    Map<String, Integer> ages = new TreeMap<>();
    for (Map<String, Object> config : result.resources("AWS::Lambda::EventInvokeConfig").values()) {
      Map<String, Object> properties = Synth.Result.properties(config);
      assertEquals(Map.of("OnFailure", Map.of("Destination", queueArn)), properties.get("DestinationConfig"));
      String name = automation.functions().entrySet().stream()
          .filter(f -> ref(result, f.getValue()).equals(properties.get("FunctionName")))
          .map(Map.Entry::getKey).findFirst().orElseThrow();
      // The qualifier is the alias the rule calls, not $LATEST.
      assertTrue(String.valueOf(properties.get("Qualifier")).contains(logicalId(result, automation.aliases().get(name))),
          String.valueOf(properties.get("Qualifier")));
      retries.put(name, (Integer) properties.get("MaximumRetryAttempts"));
      ages.put(name, (Integer) properties.get("MaximumEventAgeInSeconds"));
    }
    // Switchover is an operator's synchronous call; Aurora's InstanceState and PgpoolSensor have no rule.
    // Existing instances have no WAL archive here, so no Backup function.
    Map<String, Integer> expected = switch (engine) {
      case EC2 -> Map.of("Alarm", 2, "Backup", 2, "InstanceState", 2, "Monitor", 0, "PgpoolSensor", 2);
      case EXISTING -> Map.of("Alarm", 2, "InstanceState", 2, "Monitor", 0, "PgpoolSensor", 2);
      case AURORA -> Map.of("Alarm", 2, "Monitor", 0);
    };
    assertEquals(expected, retries);
    assertEquals(switch (engine) {
      case EC2 -> Map.of("Alarm", 3600, "Backup", 3600, "InstanceState", 3600, "Monitor", 60, "PgpoolSensor", 600);
      case EXISTING -> Map.of("Alarm", 3600, "InstanceState", 3600, "Monitor", 60, "PgpoolSensor", 600);
      case AURORA -> Map.of("Alarm", 3600, "Monitor", 60);
    }, ages);
    // Lambda keeps an event as long as the rule that hands it over.
    Map<String, Object> ruleAges = new TreeMap<>();
    for (Map<String, Object> rule : result.resources("AWS::Events::Rule").entrySet().stream()
        .filter(e -> !e.getKey().startsWith("ClusterBackupsFailedRule")).map(Map.Entry::getValue).toList()) {
      Map<String, Object> target = ((List<Map<String, Object>>) Synth.Result.properties(rule).get("Targets")).get(0);
      String name = automation.aliases().entrySet().stream()
          .filter(a -> ref(result, a.getValue()).equals(target.get("Arn"))).map(Map.Entry::getKey)
          .findFirst().orElseThrow();
      ruleAges.put(name, ((Map<String, Object>) target.get("RetryPolicy")).get("MaximumEventAgeInSeconds"));
    }
    assertEquals(ruleAges, new TreeMap<>(ages));
  }

  @Test
  void theQueueIsEncryptedWithTheTopicsKeyTlsOnlyAndKeepsFourteenDays() {
    String key = logicalId(ec2, ec2.cluster().automation().key());
    String queue = logicalId(ec2, ec2.cluster().failureAlerts().queue());
    Map<String, Object> properties = Synth.Result.properties(ec2.resources("AWS::SQS::Queue").get(queue));
    assertEquals(Map.of("KmsMasterKeyId", Map.of("Fn::GetAtt", List.of(key, "Arn")),
        "MessageRetentionPeriod", 14 * 24 * 3600), properties);
    ec2.template().hasResourceProperties("AWS::SQS::QueuePolicy", Map.of(
        "Queues", List.of(Map.of("Ref", queue)),
        "PolicyDocument", Match.objectLike(Map.of("Statement", List.of(Match.objectLike(Map.of(
            "Effect", "Deny", "Action", "sqs:*", "Principal", Map.of("AWS", "*"),
            "Condition", Map.of("Bool", Map.of("aws:SecureTransport", "false")))))))));
  }

  @Test
  void lambdaMaySendToTheQueueAsTheFunctionsRoleAndCloudWatchMayNotify() {
    Map<String, Object> queueArn = Map.of("Fn::GetAtt",
        List.of(logicalId(ec2, ec2.cluster().failureAlerts().queue()), "Arn"));
    Map<String, Object> keyArn = Map.of("Fn::GetAtt", List.of(logicalId(ec2, ec2.cluster().automation().key()), "Arn"));
    Map<String, Object> policy = ec2.resources("AWS::IAM::Policy").entrySet().stream()
        .filter(e -> e.getKey().startsWith("ClusterAutomationRole")).map(Map.Entry::getValue).findFirst().orElseThrow();
    List<Map<String, Object>> statements = Synth.statements(policy);
    assertTrue(statements.contains(Map.of("Action", "sqs:SendMessage", "Effect", "Allow", "Resource", queueArn)),
        statements.toString());
    // SQS encrypts what Lambda sends with a data key of the queue's key, as the same role.
    assertTrue(statements.contains(Map.of("Action", List.of("kms:GenerateDataKey", "kms:Decrypt"), "Effect", "Allow",
        "Resource", keyArn)), statements.toString());
    ec2.template().hasResourceProperties("AWS::SNS::TopicPolicy", Map.of("PolicyDocument", Match.objectLike(Map.of(
        "Statement", Match.arrayWith(List.of(Match.objectLike(Map.of("Sid", "FailureAlarmsPublish", "Effect", "Allow",
            "Action", "sns:Publish", "Principal", Map.of("Service", "cloudwatch.amazonaws.com"),
            "Condition", Match.objectLike(Map.of("ArnLike", Map.of("aws:SourceArn", Map.of("Fn::Join", List.of("",
                Match.arrayWith(List.of(":alarm:pgpilot.main.*")))))))))))))));
    ec2.template().hasResourceProperties("AWS::KMS::Key", Map.of("KeyPolicy", Match.objectLike(Map.of(
        "Statement", Match.arrayWith(List.of(Map.of("Sid", "FailureAlarmsEncryptNotifications", "Effect", "Allow",
            "Action", List.of("kms:GenerateDataKey", "kms:Decrypt"),
            "Principal", Map.of("Service", "cloudwatch.amazonaws.com"), "Resource", "*")))))));
  }

  /** FailureAlerts' alarms by name. */
  private static Map<String, Map<String, Object>> failureAlarms(Synth.Result result) {
    Map<String, Map<String, Object>> alarms = new TreeMap<>();
    result.resources("AWS::CloudWatch::Alarm").forEach((id, alarm) -> {
      if (id.startsWith("ClusterFailureAlerts")) {
        Map<String, Object> properties = Synth.Result.properties(alarm);
        alarms.put(String.valueOf(properties.get("AlarmName")), properties);
      }
    });
    return alarms;
  }

  private static Map<String, Object> subset(Map<String, Object> alarm) {
    Map<String, Object> subset = new TreeMap<>();
    for (String key : List.of("AlarmActions", "Namespace", "MetricName", "Dimensions", "Statistic", "Period",
        "EvaluationPeriods", "Threshold", "ComparisonOperator")) {
      subset.put(key, alarm.get(key));
    }
    return subset;
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> alarmRulePattern() {
    return ec2.resources("AWS::Events::Rule").entrySet().stream()
        .filter(e -> e.getKey().startsWith("ClusterAutomationAlarmRule"))
        .map(e -> (Map<String, Object>) Synth.Result.properties(e.getValue()).get("EventPattern"))
        .findFirst().orElseThrow();
  }

  private static String logicalId(Synth.Result result, IConstruct construct) {
    return result.stack().getLogicalId((CfnElement) construct.getNode().getDefaultChild());
  }

  private static Map<String, Object> ref(Synth.Result result, IConstruct construct) {
    return Map.of("Ref", logicalId(result, construct));
  }

  /** EventBridge's matching of a "CloudWatch Alarm State Change" to a rule's detail, for the matchers pgpilot uses. */
  static final class EventPatterns {

    private EventPatterns() {
    }

    @SuppressWarnings("unchecked")
    static boolean matchesAlarm(Map<String, Object> pattern, String alarmName) {
      Map<String, Object> detail = (Map<String, Object>) pattern.get("detail");
      Map<String, Object> state = (Map<String, Object>) detail.get("state");
      return matches((List<Object>) detail.get("alarmName"), alarmName)
          && matches((List<Object>) state.get("value"), "ALARM");
    }

    /** A field's matchers: any of them matches; an exact value, or {"prefix": …}. */
    @SuppressWarnings("unchecked")
    private static boolean matches(List<Object> matchers, String value) {
      for (Object matcher : matchers) {
        if (matcher instanceof Map<?, ?> map) {
          Map<String, Object> rule = (Map<String, Object>) map;
          if (rule.size() != 1 || !rule.containsKey("prefix")) {
            throw new IllegalArgumentException("a matcher this test does not know: " + rule);
          }
          if (value.startsWith(String.valueOf(rule.get("prefix")))) {
            return true;
          }
        } else if (value.equals(matcher)) {
          return true;
        }
      }
      return false;
    }
  }
}

package io.pgpilot.cdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class FailoverAutomationTest {

  private final Synth.Result ec2 = Synth.ec2();
  private final Template template = ec2.template();

  @Test
  void sixJava21Arm64FunctionsWithSnapStartBehindALiveAlias() {
    // The sixth takes the backups into the WAL archive, which the ec2 engine has; the seventh makes
    // its CA at deploy (ClusterCa).
    template.resourceCountIs("AWS::Lambda::Function", 7);
    for (String handler : FailoverAutomation.HANDLERS.values()) {
      template.hasResourceProperties("AWS::Lambda::Function", Map.of(
          "Handler", handler,
          "Runtime", "java21",
          "Architectures", List.of("arm64"),
          "SnapStart", Map.of("ApplyOn", "PublishedVersions"),
          "VpcConfig", Match.objectLike(Map.of("SubnetIds", Match.anyValue())),
          "Environment", Map.of("Variables", Match.objectLike(Map.of(
              "PGPILOT_CLUSTER", "main",
              "PGPILOT_STATE_TABLE", Match.anyValue(),
              "PGPILOT_TOPIC_ARN", Match.anyValue(),
              "PGPILOT_DB_SECRET", Match.anyValue(),
              "PGPILOT_REPLICATION_CIDR", "10.80.0.0/16")))));
    }
    Synth.aurora().template().hasResourceProperties("AWS::Lambda::Function", Map.of("Environment", Map.of("Variables",
        Match.objectLike(Map.of("PGPILOT_ENGINE", "aurora", "PGPILOT_AURORA_CLUSTER_ID", Map.of("Ref",
            Match.stringLikeRegexp("ClusterAurora.*")))))));
    template.hasResourceProperties("AWS::Lambda::Function", Map.of("Environment", Map.of("Variables",
        Match.objectLike(Map.of("PGPILOT_ENGINE", "ec2", "PGPILOT_AURORA_CLUSTER_ID", Match.absent())))));
    template.resourceCountIs("AWS::Lambda::Version", 6);
    template.resourceCountIs("AWS::Lambda::Alias", 6);
    template.hasResourceProperties("AWS::Lambda::Alias", Map.of("Name", "live"));
    assertTrue(FailoverAutomation.HANDLERS.values().stream().allMatch(h -> h.startsWith("io.pgpilot.handlers.")));
  }

  @Test
  void rulesCallTheAliasForTheClustersInstancesAlarmsAndEveryMinute() {
    template.hasResourceProperties("AWS::Events::Rule", Map.of("EventPattern", Map.of(
        "source", List.of("aws.ec2"),
        "detail-type", List.of("EC2 Instance State-change Notification"),
        "detail", Map.of("instance-id", List.of(
            Map.of("Ref", Match.stringLikeRegexp("ClusterPostgrespg1.*")),
            Map.of("Ref", Match.stringLikeRegexp("ClusterPostgrespg2.*")),
            Map.of("Ref", Match.stringLikeRegexp("ClusterPostgrespg3.*"))),
            "state", FailoverAutomation.STATES)),
        "Targets", List.of(Match.objectLike(Map.of("Arn", Map.of("Ref", Match.stringLikeRegexp(".*InstanceStateAliaslive.*")))))));
    template.hasResourceProperties("AWS::Events::Rule", Map.of("EventPattern", Map.of(
        "source", List.of("aws.cloudwatch"),
        "detail-type", List.of("CloudWatch Alarm State Change"),
        "detail", Map.of("alarmName", List.of(Map.of("prefix", "pgpilot-main-")),
            "state", Map.of("value", List.of("ALARM"))))));
    template.hasResourceProperties("AWS::Events::Rule", Map.of("ScheduleExpression", "rate(1 minute)",
        "Targets", List.of(Match.objectLike(Map.of("RetryPolicy", Map.of("MaximumEventAgeInSeconds", 60,
            "MaximumRetryAttempts", 0))))));
    // Aurora has no instances of its own to watch.
    Synth.aurora().template().resourceCountIs("AWS::Events::Rule", 2);
  }

  @Test
  void pgpoolsReportsReachTheSensorOnlyFromTheirOwnSourceAndThisCluster() {
    template.hasResourceProperties("AWS::Events::Rule", Map.of("EventPattern", Map.of(
        "source", List.of("pgpilot.pgpool"),
        "detail-type", List.of("pgpool backend down"),
        "detail", Map.of("cluster", List.of("main"))),
        "Targets", List.of(Match.objectLike(Map.of(
            "Arn", Map.of("Ref", Match.stringLikeRegexp(".*PgpoolSensorAliaslive.*")),
            "RetryPolicy", Map.of("MaximumEventAgeInSeconds", 600, "MaximumRetryAttempts", 20))))));
    // The automation's four, and the backup schedule's three (BackupScheduleTest).
    template.resourceCountIs("AWS::Events::Rule", 7);
    assertEquals("io.pgpilot.handlers.PgpoolSensorHandler::handleRequest",
        FailoverAutomation.HANDLERS.get("PgpoolSensor"));
    // Aurora's pgpool addresses its endpoints, which RDS fails over: no sensor rule.
    assertFalse(Synth.aurora().resources("AWS::Events::Rule").values().stream()
        .anyMatch(rule -> String.valueOf(Synth.Result.properties(rule).get("EventPattern")).contains("pgpilot.pgpool")));
  }

  @Test
  void theStateTableHasStringKeysTtlAndPointInTimeRecovery() {
    template.hasResourceProperties("AWS::DynamoDB::Table", Map.of(
        "KeySchema", List.of(Map.of("AttributeName", "pk", "KeyType", "HASH"), Map.of("AttributeName", "sk", "KeyType", "RANGE")),
        "AttributeDefinitions", List.of(Map.of("AttributeName", "pk", "AttributeType", "S"),
            Map.of("AttributeName", "sk", "AttributeType", "S")),
        "BillingMode", "PAY_PER_REQUEST",
        "TimeToLiveSpecification", Map.of("AttributeName", "ttl", "Enabled", true),
        "PointInTimeRecoverySpecification", Map.of("PointInTimeRecoveryEnabled", true)));
    template.hasResourceProperties("AWS::SNS::Topic", Map.of("KmsMasterKeyId", Match.anyValue()));
  }

  @Test
  void runCommandOnlyWithPgpilotDocumentsOnThisClustersInstances() {
    Map<String, Object> policy = automationPolicy();
    List<Map<String, Object>> sendCommand = Synth.statements(policy).stream()
        .filter(s -> Synth.actions(s).contains("ssm:SendCommand")).toList();
    assertEquals(2, sendCommand.size());
    String documents = String.valueOf(sendCommand.get(0).get("Resource"));
    // Every pgpilot document, by name: the failover's, Backup and RestoreNode for scheduled backups, and adoption's.
    assertEquals(14, documents.split(":document/pgpilot-", -1).length - 1, documents);
    assertFalse(documents.contains("document/*"));
    assertEquals(Map.of("StringEquals", Map.of("ssm:resourceTag/pgpilot:cluster", "main")),
        sendCommand.get(1).get("Condition"));
    Map<String, Object> stop = Synth.statements(policy).stream()
        .filter(s -> Synth.actions(s).contains("ec2:StopInstances")).findFirst().orElseThrow();
    assertEquals(Map.of("StringEquals", Map.of("aws:ResourceTag/pgpilot:cluster", "main")), stop.get("Condition"));
    assertTrue(String.valueOf(stop.get("Resource")).contains(":instance/*"));
  }

  @Test
  void noPolicyAnywhereGrantsAWildcardAction() {
    for (Synth.Result result : List.of(Synth.ec2(), Synth.aurora())) {
      for (Map<String, Object> policy : result.resources("AWS::IAM::Policy").values()) {
        for (Map<String, Object> statement : Synth.statements(policy)) {
          for (String action : Synth.actions(statement)) {
            assertFalse(action.contains("*"), "wildcard action " + action + " in " + statement);
          }
        }
      }
    }
  }

  private Map<String, Object> automationPolicy() {
    return ec2.resources("AWS::IAM::Policy").entrySet().stream()
        .filter(e -> e.getKey().startsWith("ClusterAutomationRole")).map(Map.Entry::getValue).findFirst().orElseThrow();
  }
}

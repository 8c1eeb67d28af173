package io.pgpilot.cdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class BackupScheduleTest {

  private final Synth.Result ec2 = Synth.ec2();
  private final Template template = ec2.template();

  @Test
  void aWeeklyFullAndDailyDifferentialBackupRunOnTheInstanceTaggedPrimaryOfThisCluster() {
    for (String[] expected : new String[][] {{"cron(0 3 ? * SUN *)", "full"}, {"cron(0 3 ? * MON-SAT *)", "diff"}}) {
      template.hasResourceProperties("AWS::Events::Rule", Map.of(
          "ScheduleExpression", expected[0],
          "Targets", List.of(Match.objectLike(Map.of(
              "Input", "{\"stanza\":[\"main\"],\"type\":[\"" + expected[1] + "\"]}",
              "RunCommandParameters", Map.of("RunCommandTargets", List.of(
                  Map.of("Key", "tag:pgpilot:cluster", "Values", List.of("main")),
                  Map.of("Key", "tag:pgpilot:role", "Values", List.of("primary")))))))));
    }
    // Its role may run pgpilot-Backup, and only on this cluster's instances.
    List<Map<String, Object>> sendCommand = ec2.resources("AWS::IAM::Policy").entrySet().stream()
        .filter(e -> e.getKey().startsWith("ClusterBackupsRole"))
        .flatMap(e -> Synth.statements(e.getValue()).stream()).toList();
    assertEquals(2, sendCommand.size(), sendCommand.toString());
    assertTrue(String.valueOf(sendCommand.get(0).get("Resource")).contains(":document/pgpilot-Backup"));
    assertEquals(Map.of("StringEquals", Map.of("ssm:resourceTag/pgpilot:cluster", "main")),
        sendCommand.get(1).get("Condition"));
    Synth.aurora().template().resourcePropertiesCountIs("AWS::Events::Rule",
        Map.of("ScheduleExpression", "cron(0 3 ? * SUN *)"), 0);
  }

  @Test
  void aBackupThatFailsTimesOutOrIsCancelledIsToldOnTheTopic() {
    template.hasResourceProperties("AWS::Events::Rule", Map.of("EventPattern", Map.of(
        "source", List.of("aws.ssm"),
        "detail-type", List.of("EC2 Command Status-change Notification"),
        "detail", Map.of("document-name", List.of("pgpilot-Backup"), "status", List.of("Failed", "TimedOut", "Cancelled"))),
        "Targets", List.of(Match.objectLike(Map.of("Arn", Map.of("Ref", Match.stringLikeRegexp("ClusterAutomationTopic.*")))))));
  }

  @Test
  void aScheduleThatIsNoEventBridgeExpressionIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BackupScheduleProps.builder()
        .clusterName("main").stanza("main").topic(ec2.cluster().automation().topic())
        .key(ec2.cluster().automation().key()).fullSchedule("every sunday").build());
    assertTrue(e.getMessage().contains("'every sunday'"), e.getMessage());
  }
}

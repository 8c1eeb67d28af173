package io.pgpilot.cdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
  void aWeeklyFullAndDailyDifferentialBackupAreAskedOfTheBackupFunctionWhichPicksAStandby() {
    for (String[] expected : new String[][] {{"cron(0 3 ? * SUN *)", "full"}, {"cron(0 3 ? * MON-SAT *)", "diff"}}) {
      template.hasResourceProperties("AWS::Events::Rule", Map.of(
          "ScheduleExpression", expected[0],
          "Targets", List.of(Match.objectLike(Map.of(
              "Arn", Map.of("Ref", Match.stringLikeRegexp("ClusterAutomationBackupAliaslive.*")),
              "Input", "{\"type\":\"" + expected[1] + "\"}")))));
    }
    template.hasResourceProperties("AWS::Lambda::Function", Map.of(
        "Handler", "io.pgpilot.handlers.BackupHandler::handleRequest",
        "Environment", Map.of("Variables", Match.objectLike(Map.of("PGPILOT_ARCHIVE_STANZA", "main")))));
    // The functions' role, not EventBridge's, sends pgpilot-Backup, within pgpilot's documents.
    assertFalse(ec2.resources("AWS::IAM::Role").keySet().stream().anyMatch(k -> k.startsWith("ClusterBackups")));
    Template aurora = Synth.aurora().template();
    aurora.resourcePropertiesCountIs("AWS::Events::Rule", Map.of("ScheduleExpression", "cron(0 3 ? * SUN *)"), 0);
    aurora.resourcePropertiesCountIs("AWS::Lambda::Function",
        Map.of("Handler", "io.pgpilot.handlers.BackupHandler::handleRequest"), 0);
  }

  @Test
  void everyNodeServesPgBackRestOverTlsToItsPeersOnly() {
    String db = ec2.stack().resolve(ec2.cluster().database().securityGroup().getSecurityGroupId()).toString();
    List<Map<String, Object>> rules = ec2.resources("AWS::EC2::SecurityGroupIngress").values().stream()
        .map(Synth.Result::properties)
        .filter(p -> Integer.valueOf(PostgresOnEc2.BACKUP_SERVER_PORT).equals(p.get("FromPort")))
        .toList();
    assertEquals(1, rules.size(), rules.toString());
    assertEquals(db, String.valueOf(rules.get(0).get("GroupId")));
    assertEquals(db, String.valueOf(rules.get(0).get("SourceSecurityGroupId")));
  }

  @Test
  void aBackupThatFailsTimesOutOrIsCancelledIsToldOnTheTopic() {
    template.hasResourceProperties("AWS::Events::Rule", Map.of("EventPattern", Map.of(
        "source", List.of("aws.ssm"),
        "detail-type", List.of("EC2 Command Status-change Notification"),
        "detail", Map.of("document-name", List.of("pgpilot-main-Backup"), "status", List.of("Failed", "TimedOut", "Cancelled"))),
        "Targets", List.of(Match.objectLike(Map.of("Arn", Map.of("Ref", Match.stringLikeRegexp("ClusterAutomationTopic.*")))))));
  }

  @Test
  void aScheduleThatIsNoEventBridgeExpressionOrAnAutomationWithoutArchiveIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BackupScheduleProps.builder()
        .clusterName("main").automation(ec2.cluster().automation()).fullSchedule("every sunday").build());
    assertTrue(e.getMessage().contains("'every sunday'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> BackupScheduleProps.builder()
        .clusterName("main").automation(Synth.aurora().cluster().automation()).build());
    assertTrue(e.getMessage().contains("has no Backup function"), e.getMessage());
  }
}

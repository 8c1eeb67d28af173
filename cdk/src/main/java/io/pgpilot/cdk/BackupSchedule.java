package io.pgpilot.cdk;

import io.pgpilot.core.ClusterNames;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.events.EventPattern;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.RuleTargetInput;
import software.amazon.awscdk.services.events.Schedule;
import software.amazon.awscdk.services.events.targets.SnsTopic;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.constructs.Construct;

/**
 * Base backups on a schedule: EventBridge calls the automation's Backup function, a full backup
 * weekly and a differential one on the other days. The function picks the node, a standby that
 * streams whenever one does (so the primary only starts and stops the backup), and starts
 * pgpilot-Backup there through Run Command. A backup that fails, times out or is cancelled is told
 * on the cluster's topic; a Backup run that fails is FailureAlerts' like any function's.
 */
public final class BackupSchedule extends Construct {

  /** The document's file name; the rule matches the cluster's own copy of it, not another cluster's. */
  static final String DOCUMENT = "pgpilot-Backup";
  /** The automation's function that takes backups (FailoverAutomation.HANDLERS). */
  static final String FUNCTION = "Backup";

  public BackupSchedule(Construct scope, String id, BackupScheduleProps props) {
    super(scope, id);
    rule("Full", props.fullSchedule(), "full", props);
    rule("Differential", props.differentialSchedule(), "diff", props);

    Rule.Builder.create(this, "FailedRule")
        .description("pgpilot " + props.clusterName() + ": a pgpilot-Backup run that failed, timed out or was cancelled")
        .eventPattern(EventPattern.builder()
            .source(List.of("aws.ssm"))
            .detailType(List.of("EC2 Command Status-change Notification"))
            .detail(Ordered.map(Map.of("document-name", List.of(new ClusterNames(props.clusterName()).document(DOCUMENT)),
                "status", List.of("Failed", "TimedOut", "Cancelled"))))
            .build())
        .targets(List.of(new SnsTopic(props.automation().topic())))
        .build();
    // The topic is encrypted: EventBridge publishes to it only if its key lets it encrypt.
    props.automation().key().addToResourcePolicy(PolicyStatement.Builder.create()
        .sid("BackupFailuresEncryptNotifications")
        .principals(List.of(new ServicePrincipal("events.amazonaws.com")))
        .actions(List.of("kms:GenerateDataKey", "kms:Decrypt"))
        .resources(List.of("*"))
        .build());
  }

  /** A missed backup is worth taking within the hour; later, the next one in the schedule is as good. */
  private void rule(String id, String schedule, String type, BackupScheduleProps props) {
    Rule.Builder.create(this, id + "Rule")
        .description("pgpilot " + props.clusterName() + ": a " + type + " backup, from a standby when one streams")
        .schedule(Schedule.expression(schedule))
        .targets(List.of(props.automation().target(FUNCTION, Duration.hours(1), 20, 2,
            RuleTargetInput.fromObject(Map.of("type", type)))))
        .build();
  }
}

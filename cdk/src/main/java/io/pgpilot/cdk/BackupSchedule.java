package io.pgpilot.cdk;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.events.CfnRule;
import software.amazon.awscdk.services.events.EventPattern;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.targets.SnsTopic;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.constructs.Construct;

/**
 * Base backups on a schedule: EventBridge runs pgpilot-Backup through Run Command on the instance
 * tagged as this cluster's primary, whichever node that is after failovers (pgpilot rewrites the
 * tag), a full backup weekly and a differential one on the other days. A backup that fails, times
 * out or is cancelled is told on the cluster's topic.
 */
public final class BackupSchedule extends Construct {

  static final String DOCUMENT = "pgpilot-Backup";

  public BackupSchedule(Construct scope, String id, BackupScheduleProps props) {
    super(scope, id);
    Stack stack = Stack.of(this);
    String document = stack.formatArn(ArnComponents.builder().service("ssm").resource("document")
        .resourceName(DOCUMENT).build());
    String instances = stack.formatArn(ArnComponents.builder().service("ec2").resource("instance")
        .resourceName("*").build());
    Role role = Role.Builder.create(this, "Role")
        .assumedBy(new ServicePrincipal("events.amazonaws.com"))
        .description("pgpilot " + props.clusterName() + ": EventBridge runs pgpilot-Backup on the cluster's primary")
        .build();
    role.addToPolicy(PolicyStatement.Builder.create()
        .actions(List.of("ssm:SendCommand")).resources(List.of(document)).build());
    role.addToPolicy(PolicyStatement.Builder.create()
        .actions(List.of("ssm:SendCommand")).resources(List.of(instances))
        .conditions(Map.of("StringEquals", Map.of("ssm:resourceTag/" + PgpilotTags.CLUSTER, props.clusterName())))
        .build());
    NagSuppressions.addResourceSuppressions(role, List.of(NagPackSuppression.builder().id("AwsSolutions-IAM5")
        .reason("Run Command names the instances by tag when the rule fires: instance/* is limited by condition to"
            + " this cluster's pgpilot:cluster tag, and the only document is pgpilot-Backup")
        .appliesTo(List.of("Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*"))
        .build()), true);
    rule("Full", props.fullSchedule(), "full", props, document, role);
    rule("Differential", props.differentialSchedule(), "diff", props, document, role);

    Rule.Builder.create(this, "FailedRule")
        .description("pgpilot " + props.clusterName() + ": a pgpilot-Backup run that failed, timed out or was cancelled")
        .eventPattern(EventPattern.builder()
            .source(List.of("aws.ssm"))
            .detailType(List.of("EC2 Command Status-change Notification"))
            .detail(Ordered.map(Map.of("document-name", List.of(DOCUMENT),
                "status", List.of("Failed", "TimedOut", "Cancelled"))))
            .build())
        .targets(List.of(new SnsTopic(props.topic())))
        .build();
    // The topic is encrypted: EventBridge publishes to it only if its key lets it encrypt.
    props.key().addToResourcePolicy(PolicyStatement.Builder.create()
        .sid("BackupFailuresEncryptNotifications")
        .principals(List.of(new ServicePrincipal("events.amazonaws.com")))
        .actions(List.of("kms:GenerateDataKey", "kms:Decrypt"))
        .resources(List.of("*"))
        .build());
  }

  private void rule(String id, String schedule, String type, BackupScheduleProps props, String document, Role role) {
    CfnRule.Builder.create(this, id + "Rule")
        .description("pgpilot " + props.clusterName() + ": a " + type + " backup of the primary (pgpilot-Backup)")
        .scheduleExpression(schedule)
        .state("ENABLED")
        .targets(List.of(CfnRule.TargetProperty.builder()
            .id("Backup")
            .arn(document)
            .roleArn(role.getRoleArn())
            .input("{\"stanza\":[\"" + props.stanza() + "\"],\"type\":[\"" + type + "\"]}")
            .runCommandParameters(CfnRule.RunCommandParametersProperty.builder()
                .runCommandTargets(List.of(
                    CfnRule.RunCommandTargetProperty.builder().key("tag:" + PgpilotTags.CLUSTER)
                        .values(List.of(props.clusterName())).build(),
                    CfnRule.RunCommandTargetProperty.builder().key("tag:" + PgpilotTags.ROLE)
                        .values(List.of("primary")).build()))
                .build())
            .build()))
        .build();
  }
}

package io.pgpilot.cdk;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;

/**
 * The functions' permissions beyond their table, topic, secret and logs (granted where those are
 * made): every action named, every resource this cluster's own where the API allows it.
 */
final class AutomationPolicy {

  private AutomationPolicy() {
  }

  static void apply(Role role, FailoverAutomationProps props) {
    Stack stack = Stack.of(role);
    String cluster = props.clusterName();
    String instances = stack.formatArn(ArnComponents.builder()
        .service("ec2").resource("instance").resourceName("*").build());
    // Run Command: only pgpilot's documents, only on instances tagged with this cluster.
    role.addToPolicy(statement("ssm:SendCommand", props.documents().arns(), null));
    role.addToPolicy(statement("ssm:SendCommand", List.of(instances),
        Map.of("StringEquals", Map.of("ssm:resourceTag/" + PgpilotTags.CLUSTER, cluster))));
    // GetCommandInvocation has no resource type: the command id it takes is the one SendCommand returned.
    role.addToPolicy(statement("ssm:GetCommandInvocation", List.of("*"), null));
    // ListCommandInvocations neither: the monitor asks it whether a rebuild still runs on a node out of service.
    role.addToPolicy(statement("ssm:ListCommandInvocations", List.of("*"), null));
    // DescribeInstances has no resource-level permissions; the functions filter by the cluster tag.
    role.addToPolicy(statement("ec2:DescribeInstances", List.of("*"), null));
    // Fencing stops an instance: only this cluster's.
    role.addToPolicy(statement("ec2:StopInstances", List.of(instances),
        Map.of("StringEquals", Map.of("aws:ResourceTag/" + PgpilotTags.CLUSTER, cluster))));
    // After a failover the role tags follow the new topology: only pgpilot:role, only on this cluster's instances.
    role.addToPolicy(statement("ec2:CreateTags", List.of(instances), Map.of(
        "StringEquals", Map.of("aws:ResourceTag/" + PgpilotTags.CLUSTER, cluster),
        "ForAllValues:StringEquals", Map.of("aws:TagKeys", List.of(PgpilotTags.ROLE)))));
    role.addToPolicy(statement("cloudwatch:PutMetricData", List.of("*"),
        Map.of("StringEquals", Map.of("cloudwatch:namespace", Defaults.METRICS_NAMESPACE))));
    // A VPC function's network interfaces (what AWSLambdaVPCAccessExecutionRole grants, by name).
    role.addToPolicy(PolicyStatement.Builder.create()
        .actions(List.of("ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface",
            "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"))
        .resources(List.of("*"))
        .build());
    if (props.hostedZoneId() != null) {
      String zone = stack.formatArn(ArnComponents.builder().service("route53").region("").account("")
          .resource("hostedzone").resourceName(props.hostedZoneId()).arnFormat(ArnFormat.SLASH_RESOURCE_NAME).build());
      role.addToPolicy(statement("route53:ListResourceRecordSets", List.of(zone), null));
      role.addToPolicy(statement("route53:ChangeResourceRecordSets", List.of(zone), Map.of("ForAllValues:StringEquals",
          Map.of("route53:ChangeResourceRecordSetsNormalizedRecordNames", List.of(normalized(props.dnsName()))))));
    }
    if (props.auroraCluster() != null) {
      String arn = stack.formatArn(ArnComponents.builder().service("rds").resource("cluster")
          .resourceName(props.auroraCluster().getClusterIdentifier()).arnFormat(ArnFormat.COLON_RESOURCE_NAME).build());
      role.addToPolicy(PolicyStatement.Builder.create()
          .actions(List.of("rds:DescribeDBClusters", "rds:FailoverDBCluster"))
          .resources(List.of(arn))
          .build());
      // The workflow reads each member's status and AZ; Aurora replaces instances, so their ids are not fixed.
      role.addToPolicy(statement("rds:DescribeDBInstances", List.of(stack.formatArn(ArnComponents.builder()
          .service("rds").resource("db").resourceName("*").arnFormat(ArnFormat.COLON_RESOURCE_NAME).build())), null));
    }
    NagSuppressions.addResourceSuppressions(role, List.of(NagPackSuppression.builder().id("AwsSolutions-IAM5")
        .reason("Every action is named. '*' resources only where the API has no resource-level permission"
            + " (ec2:DescribeInstances, ssm:GetCommandInvocation, ssm:ListCommandInvocations, the VPC"
            + " network-interface calls) or is scoped by condition (cloudwatch:namespace); instance/* is limited by"
            + " condition to this cluster's pgpilot:cluster tag; rds db:* only for rds:DescribeDBInstances, whose"
            + " members Aurora replaces")
        .appliesTo(List.of("Resource::*",
            "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*",
            "Resource::arn:<AWS::Partition>:rds:<AWS::Region>:<AWS::AccountId>:db:*"))
        .build()), true);
  }

  /** Route 53's normalized form: lower case, no trailing dot. */
  static String normalized(String dnsName) {
    String name = dnsName.toLowerCase(java.util.Locale.ROOT);
    return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
  }

  private static PolicyStatement statement(String action, List<String> resources, Map<String, Object> conditions) {
    PolicyStatement.Builder statement = PolicyStatement.Builder.create().actions(List.of(action)).resources(resources);
    if (conditions != null) {
      statement.conditions(Ordered.map(conditions));
    }
    return statement.build();
  }
}

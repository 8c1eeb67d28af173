package io.pgpilot.cdk;

import java.util.List;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;

/**
 * What the SSM agent on a pgpilot host needs to take Run Command and Session Manager: the actions
 * of AWS's AmazonSSMManagedInstanceCore except ssm:GetParameter and ssm:GetParameters, which it
 * grants on every parameter of the account. A host reads no parameter: the secrets it reads are
 * granted one by one, and the documents it fetches at boot by their ARNs.
 */
final class SsmAgent {

  /** The agent's calls; none of them takes a resource ARN. */
  static final List<String> ACTIONS = List.of(
      "ssm:UpdateInstanceInformation", "ssm:ListInstanceAssociations", "ssm:ListAssociations",
      "ssm:DescribeAssociation", "ssm:UpdateAssociationStatus", "ssm:UpdateInstanceAssociationStatus",
      "ssm:DescribeDocument", "ssm:GetDocument", "ssm:GetManifest", "ssm:GetDeployablePatchSnapshotForInstance",
      "ssm:PutInventory", "ssm:PutComplianceItems", "ssm:PutConfigurePackageResult",
      "ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage",
      "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply",
      "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel");

  /** Why the statement's resource is "*", for cdk-nag (AwsSolutions-IAM5, Resource::*). */
  static final String WHY_ANY_RESOURCE = "the SSM agent's calls (AmazonSSMManagedInstanceCore's, without"
      + " ssm:GetParameter*) name no resource: they are about the calling instance itself";

  private SsmAgent() {
  }

  static void grant(Role role) {
    role.addToPolicy(statement());
  }

  static PolicyStatement statement() {
    return PolicyStatement.Builder.create().actions(ACTIONS).resources(List.of("*")).build();
  }
}

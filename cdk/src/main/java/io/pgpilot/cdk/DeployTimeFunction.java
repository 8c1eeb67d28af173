package io.pgpilot.cdk;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import software.amazon.awscdk.CfnResource;
import software.amazon.awscdk.CustomResource;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/**
 * One of pgpilot's functions that runs during the deploy, as a CloudFormation custom resource of
 * its own type, with a role and a log group of its own: it answers CloudFormation itself
 * (io.pgpilot.handlers.CustomResources), so no provider framework is needed. The owner grants the
 * role what the function needs before the deploy runs it; the resource waits for those grants.
 */
final class DeployTimeFunction extends Construct {

  private final Role role;
  private final CustomResource resource;

  /**
   * @param handler    the handler, Class::handleRequest
   * @param placement  adds what the function needs beyond the defaults (a VPC, subnets, security groups)
   * @param properties the resource's properties, the function's input
   */
  DeployTimeFunction(Construct scope, String id, String clusterName, String what, String handler, String resourceType,
                     Path code, UnaryOperator<Function.Builder> placement, Map<String, Object> properties) {
    super(scope, id);
    role = Role.Builder.create(this, "Role")
        .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
        .description("pgpilot " + clusterName + ": the function that " + what)
        .build();
    LogGroup logs = LogGroup.Builder.create(this, "Logs").retention(RetentionDays.ONE_MONTH).build();
    logs.grantWrite(role);
    Function function = placement.apply(Function.Builder.create(this, "Function")
        .description("pgpilot " + clusterName + ": " + what + " (" + resourceType + ")")
        .runtime(Runtime.JAVA_21)
        .architecture(Architecture.ARM_64)
        .handler(handler)
        .code(Code.fromAsset(code.toAbsolutePath().toString()))
        .memorySize(512)
        .timeout(Duration.minutes(2))
        .role(role)
        .logGroup(logs))
        .build();
    NagSuppressions.addResourceSuppressions(function, List.of(NagPackSuppression.builder().id("AwsSolutions-L1")
        .reason("java21 is the LTS runtime pgpilot's functions (Java 17 bytecode) are tested on; moving to a newer"
            + " runtime is a deliberate change with its own test run")
        .build()));
    // The function and its run wait for the role's policy (Lambda checks a VPC function's permissions at
    // creation); the role itself the function's GetAtt already orders (cfn-lint W3005).
    CfnResource policy = (CfnResource) role.getNode().findChild("DefaultPolicy").getNode().getDefaultChild();
    ((CfnResource) function.getNode().getDefaultChild()).addOverride("DependsOn", List.of(policy.getLogicalId()));
    resource = CustomResource.Builder.create(this, "Resource")
        .serviceToken(function.getFunctionArn())
        .resourceType(resourceType)
        .properties(Ordered.map(properties))
        .build();
    resource.getNode().addDependency(policy);
  }

  Role role() {
    return role;
  }

  CustomResource resource() {
    return resource;
  }
}

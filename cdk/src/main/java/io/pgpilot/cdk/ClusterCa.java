package io.pgpilot.cdk;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import software.amazon.awscdk.CustomResource;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.constructs.Construct;

/**
 * The cluster's TLS CA, in a secret {key, certificate} that the database nodes read and never
 * write: a function (io.pgpilot.handlers.ClusterCaHandler) makes it once, during the deploy, as
 * the custom resource Custom::PgpilotClusterCa, before any node boots. A later deploy keeps it.
 * The function runs outside the VPC: it needs Secrets Manager and CloudFormation, nothing of the cluster's.
 */
public final class ClusterCa extends Construct {

  static final String HANDLER = "io.pgpilot.handlers.ClusterCaHandler::handleRequest";
  static final String RESOURCE_TYPE = "Custom::PgpilotClusterCa";

  private final Secret secret;
  private final CustomResource resource;

  public ClusterCa(Construct scope, String id, ClusterCaProps props) {
    super(scope, id);
    // CloudFormation fills it with a generated password; the function replaces that with the CA.
    secret = Secret.Builder.create(this, "Secret")
        .description("pgpilot " + props.clusterName() + ": the cluster's TLS CA {key, certificate}, made at deploy")
        .build();
    NagSuppressions.addResourceSuppressions(secret, List.of(NagPackSuppression.builder().id("AwsSolutions-SMG4")
        .reason("Every node's certificates are signed by this CA: a new one means new certificates on every node,"
            + " a planned change, not a rotation schedule.")
        .build()));
    DeployTimeFunction maker = new DeployTimeFunction(this, "Maker", props.clusterName(), "makes the cluster CA at deploy",
        HANDLER, RESOURCE_TYPE, props.code(), UnaryOperator.identity(),
        Map.of("SecretId", secret.getSecretArn(), "CommonName", "pgpilot " + props.clusterName() + " CA"));
    maker.role().addToPolicy(PolicyStatement.Builder.create()
        .actions(List.of("secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue",
            "secretsmanager:PutSecretValue"))
        .resources(List.of(secret.getSecretArn()))
        .build());
    resource = maker.resource();
  }

  /** The CA's secret: {"key": PEM, "certificate": PEM}. */
  public ISecret secret() {
    return secret;
  }

  /** What a node waits for before it boots: the CA in its secret. */
  public CustomResource resource() {
    return resource;
  }
}

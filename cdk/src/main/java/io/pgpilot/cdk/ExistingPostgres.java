package io.pgpilot.cdk;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.iam.ManagedPolicy;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.constructs.Construct;

/**
 * PostgreSQL that already runs on EC2 instances of your own, which carry the pgpilot tags
 * (pgpilot:cluster, pgpilot:name, pgpilot:role, ...; pgpilot ctl adopt sets them). Nothing here
 * makes an instance: it opens the instances' security group to pgpool and the functions, makes
 * the secrets the documents and probes read, and {@link #nodePolicy()}, which the instances' role
 * must carry. The roles inside PostgreSQL must take the secrets' passwords: pgpilot_monitor
 * (pg_monitor) the monitor secret's, the replication role the replication secret's.
 */
public final class ExistingPostgres extends Construct implements DatabaseTier {

  private final ISecurityGroup securityGroup;
  private final Secret monitorSecret;
  private final Secret replicationSecret;
  private final ManagedPolicy nodePolicy;
  /** Addresses by node name, primary first. */
  private final Map<String, String> addresses;

  public ExistingPostgres(Construct scope, String id, ExistingPostgresProps props) {
    super(scope, id);
    securityGroup = props.securityGroup();
    addresses = Check.nodes(props.nodes(), "ExistingPostgresProps.nodes");

    replicationSecret = ClusterSecrets.replication(this, props.clusterName());
    monitorSecret = ClusterSecrets.login(this, "MonitorSecret", MONITOR_USER, "pgpilot " + props.clusterName()
        + ": the role probes and health checks log in as (pg_monitor) {username, password}; set its password in"
        + " PostgreSQL");
    NagSuppressions.addResourceSuppressions(replicationSecret, List.of(NagPackSuppression.builder().id("AwsSolutions-SMG4")
        .reason("The password also lives inside your PostgreSQL: a rotation Lambda would have to change both at once."
            + " Rotate by hand: set the role's password, then ConfigurePrimary re-reads the secret.")
        .build()));
    NagSuppressions.addResourceSuppressions(monitorSecret, List.of(NagPackSuppression.builder().id("AwsSolutions-SMG4")
        .reason("The password also lives inside your PostgreSQL and in pgpool's pool_passwd from first boot: rotate"
            + " by hand, setting the role's password and then refreshing the pgpool fleet")
        .build()));

    nodePolicy = ManagedPolicy.Builder.create(this, "NodePolicy")
        .description("pgpilot " + props.clusterName() + ": attach to the database instances' role (SSM agent,"
            + " the cluster's documents and secrets)")
        .statements(List.of(
            SsmAgent.statement(),
            PolicyStatement.Builder.create()
                .actions(List.of("ssm:GetDocument"))
                .resources(props.documents().arns())
                .build(),
            // Read only, as ISecret.grantRead grants it to the nodes pgpilot makes.
            PolicyStatement.Builder.create()
                .actions(List.of("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"))
                .resources(List.of(replicationSecret.getSecretArn(), monitorSecret.getSecretArn()))
                .build()))
        .build();
    NagSuppressions.addResourceSuppressions(nodePolicy, List.of(NagPackSuppression.builder().id("AwsSolutions-IAM5")
        .reason(SsmAgent.WHY_ANY_RESOURCE + "; pgpilot's every action on a host is an SSM document")
        .appliesTo(List.of("Resource::*"))
        .build()));
  }

  @Override
  public ISecurityGroup securityGroup() {
    return securityGroup;
  }

  /** On an imported security group this is an AWS::EC2::SecurityGroupIngress of this stack. */
  @Override
  public void allowFrom(ISecurityGroup peer, String why) {
    securityGroup.addIngressRule(peer, Port.tcp(PORT), why);
  }

  @Override
  public ISecret monitorSecret() {
    return monitorSecret;
  }

  /** None: pgpool's pool_passwd holds the monitoring login only; clients' logins are yours to add. */
  @Override
  public List<ISecret> clientSecrets() {
    return List.of();
  }

  public ISecret replicationSecret() {
    return replicationSecret;
  }

  /** What the database instances' role must carry: the SSM agent's calls, the documents, the secrets. */
  public ManagedPolicy nodePolicy() {
    return nodePolicy;
  }

  @Override
  public List<Backend> backends() {
    return addresses.isEmpty() ? List.of() : Backend.streaming(List.copyOf(addresses.keySet()), primary());
  }

  @Override
  public String hostsEntries() {
    return addresses.isEmpty() ? "" : DatabaseTier.hostsEntries(addresses, primary());
  }

  /** None: the instances are not this stack's, so there are no per-node alarms; the functions find them by tag. */
  @Override
  public List<Node> nodes() {
    return List.of();
  }

  private String primary() {
    return addresses.keySet().iterator().next();
  }
}

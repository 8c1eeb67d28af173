package io.pgpilot.cdk;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.rds.AuroraPostgresClusterEngineProps;
import software.amazon.awscdk.services.rds.BackupProps;
import software.amazon.awscdk.services.rds.ClusterInstance;
import software.amazon.awscdk.services.rds.Credentials;
import software.amazon.awscdk.services.rds.DatabaseCluster;
import software.amazon.awscdk.services.rds.DatabaseClusterEngine;
import software.amazon.awscdk.services.rds.IClusterEngine;
import software.amazon.awscdk.services.rds.ParameterGroup;
import software.amazon.awscdk.services.rds.ProvisionedClusterInstanceProps;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.constructs.Construct;

/**
 * Aurora PostgreSQL, as in seed 003: a writer and two readers across the AZs, encrypted, the
 * master credentials generated into Secrets Manager. Aurora fails over by itself; pgpool writes
 * to the cluster endpoint and reads from the reader endpoint. The main child is {@code Resource}.
 */
public final class AuroraPostgres extends Construct implements DatabaseTier {

  private final SecurityGroup securityGroup;
  private final DatabaseCluster cluster;
  private final Secret monitorSecret;

  public AuroraPostgres(Construct scope, String id, AuroraPostgresProps props) {
    super(scope, id);
    securityGroup = SecurityGroup.Builder.create(this, "SecurityGroup")
        .vpc(props.vpc())
        .description("pgpilot " + props.clusterName() + " Aurora: 5432 from pgpool and the automation only")
        .allowAllOutbound(false)
        .build();
    IClusterEngine engine = DatabaseClusterEngine.auroraPostgres(
        AuroraPostgresClusterEngineProps.builder().version(props.engineVersion()).build());
    cluster = DatabaseCluster.Builder.create(this, "Resource")
        .engine(engine)
        .credentials(Credentials.fromGeneratedSecret("pgpilot_admin"))
        .writer(ClusterInstance.provisioned("Writer", instance(props, 0)))
        .readers(List.of(ClusterInstance.provisioned("Reader1", instance(props, 1)),
            ClusterInstance.provisioned("Reader2", instance(props, 1))))
        .vpc(props.vpc())
        .vpcSubnets(props.subnets())
        .securityGroups(List.of(securityGroup))
        .port(PORT)
        .storageEncrypted(true)
        .iamAuthentication(true)
        .deletionProtection(props.deletionProtection())
        .backup(BackupProps.builder().retention(Duration.days(props.backupRetentionDays())).build())
        .cloudwatchLogsExports(List.of("postgresql"))
        // TLS only, as on the EC2 nodes: pgpool and the probes connect with SSL.
        .parameterGroup(ParameterGroup.Builder.create(this, "Parameters")
            .engine(engine)
            .description("pgpilot " + props.clusterName() + ": TLS only")
            .parameters(Map.of("rds.force_ssl", "1"))
            .build())
        .build();
    monitorSecret = ClusterSecrets.login(this, "MonitorSecret", MONITOR_USER,
        "pgpilot " + props.clusterName() + ": Aurora's monitoring login (pg_monitor), made at deploy");
    NagSuppressions.addResourceSuppressions(monitorSecret, List.of(NagPackSuppression.builder().id("AwsSolutions-SMG4")
        .reason("pgpool keeps this login in its pool_passwd from first boot; change it by hand, with a deploy (the"
            + " MonitorLogin resource sets the new password) and a pgpool fleet refresh")
        .build()));
    // Children too: the generated master secret is a child of the cluster construct.
    NagSuppressions.addResourceSuppressions(cluster, List.of(
        NagPackSuppression.builder().id("AwsSolutions-RDS11")
            .reason("5432 is what pgpool, the probes and every PostgreSQL client expect; the security group, not the"
                + " port number, keeps others out")
            .build(),
        NagPackSuppression.builder().id("AwsSolutions-SMG4")
            .reason("pgpool keeps the master login in its pool_passwd from first boot; a rotation would lock pgpool"
                + " out until its hosts are replaced, so the master password is rotated by hand with a fleet refresh")
            .build()), true);
  }

  private static ProvisionedClusterInstanceProps instance(AuroraPostgresProps props, int promotionTier) {
    return ProvisionedClusterInstanceProps.builder()
        .instanceType(props.instanceType())
        .promotionTier(promotionTier)
        .build();
  }

  public DatabaseCluster cluster() {
    return cluster;
  }

  @Override
  public ISecurityGroup securityGroup() {
    return securityGroup;
  }

  @Override
  public void allowFrom(ISecurityGroup peer, String why) {
    securityGroup.addIngressRule(peer, Port.tcp(PORT), why);
  }

  /**
   * The monitoring login {username: pgpilot_monitor, password}, a role with pg_monitor that
   * {@link MonitorLogin} makes at deploy: the probes and pgpool's health checks use it, not the master.
   */
  @Override
  public ISecret monitorSecret() {
    return monitorSecret;
  }

  /** The master login, which only MonitorLogin's function and, for clients, pgpool read. */
  public ISecret masterSecret() {
    return cluster.getSecret();
  }

  /** Clients log in through pgpool as the master (pgpilot_admin), as they would to Aurora itself. */
  @Override
  public List<ISecret> clientSecrets() {
    return List.of(cluster.getSecret());
  }

  /** The seed's table: writes to the cluster endpoint (always primary), reads to the reader endpoint. */
  @Override
  public List<Backend> backends() {
    return List.of(
        new Backend(cluster.getClusterEndpoint().getHostname(), 0, "ALWAYS_PRIMARY|DISALLOW_TO_FAILOVER"),
        new Backend(cluster.getClusterReadEndpoint().getHostname(), 1, "DISALLOW_TO_FAILOVER"));
  }

  @Override
  public String hostsEntries() {
    return "";
  }

  @Override
  public List<Node> nodes() {
    return List.of();
  }
}

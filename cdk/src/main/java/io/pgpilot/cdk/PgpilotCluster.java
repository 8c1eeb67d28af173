package io.pgpilot.cdk;

import io.pgpilot.core.ClusterNames;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.constructs.Construct;

/**
 * The whole pgpilot system in one construct, to drop into any app: network (or a VPC of yours),
 * database tier (EC2 PostgreSQL, Aurora, or PostgreSQL instances of yours), pgpool fleet, failover
 * automation, alerts on the automation's own failures, and observability. It only wires the parts;
 * each part is its own construct with its own props.
 */
public final class PgpilotCluster extends Construct {

  private final Network network;
  private final IVpc vpc;
  private final SubnetSelection subnets;
  private final SsmDocuments documents;
  private final DatabaseTier database;
  private final FailoverAutomation automation;
  private final FailureAlerts failureAlerts;
  private final PgpoolFleet pgpool;
  private final Observability observability;

  public PgpilotCluster(Construct scope, String id, PgpilotClusterProps props) {
    super(scope, id);
    // requireImdsv2's launch templates get names of their own, so two clusters can share an account,
    // whatever the app around the construct sets.
    getNode().setContext("@aws-cdk/aws-ec2:uniqueImdsv2TemplateName", true);
    String cluster = props.clusterName();
    if (props.vpc() == null) {
      NetworkProps.Builder networkProps = NetworkProps.builder().cidr(props.vpcCidr()).natGateways(props.natGateways());
      if (props.interfaceEndpoints() != null) {
        networkProps.interfaceEndpoints(props.interfaceEndpoints());
      }
      network = new Network(this, "Network", networkProps.build());
      vpc = network.vpc();
      subnets = network.privateSubnets();
    } else {
      network = null;
      vpc = props.vpc();
      subnets = props.subnets();
    }
    documents = new SsmDocuments(this, "Documents", props.ssmDocuments(), new ClusterNames(cluster));

    AuroraPostgres aurora = null;
    MonitorLogin monitorLogin = null;
    WalArchive archive = null;
    if (props.engine() == Engine.AURORA) {
      aurora = new AuroraPostgres(this, "Aurora", AuroraPostgresProps.builder()
          .clusterName(cluster).vpc(vpc).subnets(subnets)
          .instanceType(props.dbInstanceType())
          .deletionProtection(props.terminationProtection())
          .build());
      database = aurora;
      monitorLogin = new MonitorLogin(this, "MonitorLogin", MonitorLoginProps.builder()
          .clusterName(cluster).code(props.lambdaCode()).vpc(vpc).subnets(subnets)
          .aurora(aurora)
          .build());
    } else if (props.engine() == Engine.EXISTING) {
      database = new ExistingPostgres(this, "Existing", ExistingPostgresProps.builder()
          .clusterName(cluster)
          .securityGroup(props.databaseSecurityGroup())
          .documents(documents)
          .nodes(props.existingNodes())
          .build());
    } else {
      archive = new WalArchive(this, "Archive", WalArchiveProps.builder().clusterName(cluster).build());
      ClusterCa ca = new ClusterCa(this, "Ca", ClusterCaProps.builder().clusterName(cluster).code(props.lambdaCode()).build());
      database = new PostgresOnEc2(this, "Postgres", PostgresOnEc2Props.builder()
          .clusterName(cluster).vpc(vpc).subnets(subnets)
          .archive(archive)
          .ca(ca)
          .replicationCidr(props.replicationCidr())
          .documents(documents)
          .instanceType(props.dbInstanceType())
          .amiParameter(props.amiParameter())
          .terminationProtection(props.terminationProtection())
          .build());
    }

    automation = new FailoverAutomation(this, "Automation", FailoverAutomationProps.builder()
        .clusterName(cluster).vpc(vpc).subnets(subnets)
        .code(props.lambdaCode())
        .documents(documents)
        .database(database)
        .replicationCidr(props.replicationCidr())
        .auroraCluster(aurora == null ? null : aurora.cluster())
        .hostedZoneId(props.hostedZoneId())
        .dnsName(props.dnsName())
        .archiveStanza(archive == null ? null : archive.stanza())
        .build());

    if (monitorLogin != null) {
      // Probes and health checks log in with it: none may start before it exists.
      automation.getNode().addDependency(monitorLogin.resource());
    }
    if (archive != null) {
      new BackupSchedule(this, "Backups", BackupScheduleProps.builder()
          .clusterName(cluster).automation(automation)
          .build());
    }
    failureAlerts = new FailureAlerts(this, "FailureAlerts", FailureAlertsProps.builder()
        .clusterName(cluster)
        .functions(automation.functions())
        .asyncInvocations(automation.asyncInvocations())
        .topic(automation.topic())
        .key(automation.key())
        .archive(archive != null)
        .build());

    if (props.pgpool()) {
      pgpool = new PgpoolFleet(this, "Pgpool", PgpoolFleetProps.builder()
          .clusterName(cluster).engine(props.engine()).vpc(vpc).subnets(subnets)
          .database(database)
          .documents(documents)
          .allowedCidrs(props.allowedCidrs())
          .instanceType(props.pgpoolInstanceType())
          .capacity(props.pgpoolCapacity())
          .amiParameter(props.amiParameter())
          .build());
      if (monitorLogin != null) {
        pgpool.getNode().addDependency(monitorLogin.resource());
      }
    } else {
      pgpool = null;
    }

    observability = new Observability(this, "Observability", ObservabilityProps.builder()
        .clusterName(cluster)
        .nodes(database.nodes())
        .functions(automation.functions())
        .auroraCluster(aurora == null ? null : aurora.cluster())
        .pgpoolTargets(pgpool == null ? null : pgpool.targetGroup())
        .replicationLagBytes(props.replicationLagBytes())
        .build());
  }

  /** The VPC pgpilot made; null when the props gave one ({@link #vpc()} is either). */
  public Network network() {
    return network;
  }

  /** The VPC everything is in: the one made, or the props'. */
  public IVpc vpc() {
    return vpc;
  }

  /** Where the hosts, the NLB and the functions are. */
  public SubnetSelection subnets() {
    return subnets;
  }

  public SsmDocuments documents() {
    return documents;
  }

  public DatabaseTier database() {
    return database;
  }

  public FailoverAutomation automation() {
    return automation;
  }

  public FailureAlerts failureAlerts() {
    return failureAlerts;
  }

  /** The pgpool fleet; null when the props say pgpool false. */
  public PgpoolFleet pgpool() {
    return pgpool;
  }

  public Observability observability() {
    return observability;
  }
}

package io.pgpilot.cdk;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import io.pgpilot.core.ClusterNames;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Tags;
import software.amazon.awscdk.Token;
import software.amazon.awscdk.services.ec2.BlockDevice;
import software.amazon.awscdk.services.ec2.BlockDeviceVolume;
import software.amazon.awscdk.services.ec2.CfnInstance;
import software.amazon.awscdk.services.ec2.EbsDeviceOptions;
import software.amazon.awscdk.services.ec2.EbsDeviceVolumeType;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.ec2.ISubnet;
import software.amazon.awscdk.services.ec2.Instance;
import software.amazon.awscdk.services.ec2.MachineImage;
import software.amazon.awscdk.services.ec2.OperatingSystemType;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.SsmParameterImageOptions;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.constructs.Construct;

/**
 * PostgreSQL on three EC2 instances, as the seeds run it: pg1 the primary, pg2 its synchronous,
 * cascading standby in another AZ, pg3 a downstream standby streaming from pg2. Each instance
 * bootstraps itself with the cluster's own SSM documents (ConfigurePrimary, ConfigureStandby) and
 * carries the pgpilot tags the automation reads its topology from. CloudFormation writes the tags
 * once; after a failover pgpilot rewrites pgpilot:role, and the template never changes them back
 * unless the nodes' tags themselves are edited.
 */
public final class PostgresOnEc2 extends Construct implements DatabaseTier {

  /** The topology the seeds describe: name, role tag, upstream, synchronous. */
  record Layout(String name, String role, String upstream, boolean sync) {
  }

  static final List<Layout> LAYOUT = List.of(
      new Layout("pg1", "primary", null, false),
      new Layout("pg2", "standby", "pg1", true),
      new Layout("pg3", "standby", "pg2", false));

  private final SecurityGroup securityGroup;
  /** pgBackRest's TLS server (its default port), on every node of a cluster with a WAL archive. */
  static final int BACKUP_SERVER_PORT = 8432;
  private final Secret monitorSecret;
  private final Secret adminSecret;
  private final Secret replicationSecret;
  private final ISecret caSecret;
  private final Role role;
  private final List<Node> nodes = new ArrayList<>();
  private final Map<String, Instance> instances = new LinkedHashMap<>();

  public PostgresOnEc2(Construct scope, String id, PostgresOnEc2Props props) {
    super(scope, id);
    securityGroup = SecurityGroup.Builder.create(this, "SecurityGroup")
        .vpc(props.vpc())
        .description("pgpilot " + props.clusterName() + " PostgreSQL nodes: 5432 from pgpool, peers, automation")
        // Egress: packages at first boot, the AWS APIs, replication to peers.
        .allowAllOutbound(true)
        .build();
    securityGroup.addIngressRule(securityGroup, Port.tcp(PORT), "streaming replication between the nodes");
    if (props.archive() != null) {
      securityGroup.addIngressRule(securityGroup, Port.tcp(BACKUP_SERVER_PORT),
          "pgBackRest TLS server: a backup from a standby starts and stops on the primary");
    }

    replicationSecret = ClusterSecrets.replication(this, props.clusterName());
    caSecret = props.ca().secret();
    monitorSecret = login("MonitorSecret", MONITOR_USER, "the role probes and health checks log in as (pg_monitor)");
    adminSecret = login("AdminSecret", "pgpilot_admin", "an administrator login (CREATEDB, CREATEROLE), through pgpool");
    for (Secret secret : List.of(replicationSecret, monitorSecret, adminSecret)) {
      NagSuppressions.addResourceSuppressions(secret, List.of(NagPackSuppression.builder().id("AwsSolutions-SMG4")
          .reason("The password also lives inside PostgreSQL: a rotation Lambda would have to change both at once."
              + " Rotate by hand: ConfigurePrimary re-reads the secret.")
          .build()));
    }

    role = Role.Builder.create(this, "Role")
        .assumedBy(new ServicePrincipal("ec2.amazonaws.com"))
        .description("pgpilot " + props.clusterName() + " PostgreSQL nodes: SSM agent, their secrets, their documents")
        .build();
    SsmAgent.grant(role);
    // Read only, the CA's too: it is made at deploy (ClusterCa), so no node can replace it.
    for (ISecret secret : List.of(replicationSecret, caSecret, monitorSecret, adminSecret)) {
      secret.grantRead(role);
    }
    role.addToPolicy(PolicyStatement.Builder.create()
        .actions(List.of("ssm:GetDocument"))
        .resources(props.documents().arns())
        .build());
    if (props.archive() != null) {
      props.archive().grantArchiving(role);
    }
    NagSuppressions.addResourceSuppressions(role, List.of(NagPackSuppression.builder().id("AwsSolutions-IAM5")
        .reason(SsmAgent.WHY_ANY_RESOURCE + "; pgpilot's every action on a host is an SSM document")
        .appliesTo(List.of("Resource::*"))
        .build()), true);

    List<ISubnet> subnets = props.vpc().selectSubnets(props.subnets()).getSubnets();
    Map<String, String> addresses = new LinkedHashMap<>();
    for (int i = 0; i < LAYOUT.size(); i++) {
      Layout node = LAYOUT.get(i);
      Instance instance = instance(props, node, subnets.get(i % subnets.size()), earlierHosts(addresses));
      instances.put(node.name(), instance);
      addresses.put(node.name(), instance.getInstancePrivateIp());
      nodes.add(new Node(node.name(), instance.getInstanceId(), instance.getInstancePrivateIp(), node.role(),
          "primary".equals(node.role())));
      // The documents must exist before a node's first boot reads them.
      instance.getNode().addDependency(props.documents());
      instance.getNode().addDependency(props.ca().resource());
    }
  }

  private Secret login(String id, String user, String what) {
    return ClusterSecrets.login(this, id, user, "pgpilot: " + what + " {username, password}");
  }

  private Instance instance(PostgresOnEc2Props props, Layout node, ISubnet subnet, String hosts) {
    Map<String, String> vars = new LinkedHashMap<>();
    vars.put("PGPILOT_CLUSTER", props.clusterName());
    vars.put("PGPILOT_DOCUMENT_PREFIX", new ClusterNames(props.clusterName()).documentPrefix());
    vars.put("PGPILOT_NODE", node.name());
    vars.put("PGPILOT_ROLE", node.role());
    vars.put("PGPILOT_UPSTREAM", node.upstream() == null ? "" : instances.get(node.upstream()).getInstancePrivateIp());
    vars.put("PGPILOT_SYNC_STANDBYS", String.join(",",
        LAYOUT.stream().filter(n -> n.sync() && node.name().equals(n.upstream())).map(Layout::name).toList()));
    vars.put("PGPILOT_PG_VERSION", props.pgVersion());
    vars.put("PGPILOT_REPLICATION_CIDR", props.replicationCidr());
    vars.put("PGPILOT_CLIENT_CIDR", props.replicationCidr());
    vars.put("PGPILOT_CA_SECRET", caSecret.getSecretArn());
    vars.put("PGPILOT_MONITOR_SECRET", monitorSecret.getSecretArn());
    vars.put("PGPILOT_ADMIN_SECRET", adminSecret.getSecretArn());
    vars.put("PGPILOT_HOSTS", hosts);
    if (props.archive() != null) {
      vars.put("PGPILOT_ARCHIVE_BUCKET", props.archive().bucket().getBucketName());
      vars.put("PGPILOT_ARCHIVE_STANZA", props.archive().stanza());
      vars.put("PGPILOT_ARCHIVE_KMS_KEY", props.archive().key().getKeyArn());
      vars.put("PGPILOT_ARCHIVE_RETENTION_FULL", Integer.toString(props.archive().retentionFull()));
    }
    Instance instance = Instance.Builder.create(this, node.name())
        .vpc(props.vpc())
        .vpcSubnets(SubnetSelection.builder().subnets(List.of(subnet)).build())
        .instanceType(props.instanceType())
        .machineImage(MachineImage.fromSsmParameter(props.amiParameter(),
            SsmParameterImageOptions.builder().os(OperatingSystemType.LINUX).build()))
        .userData(HostBootstrap.userData(HostBootstrap.Kind.POSTGRES, vars))
        .securityGroup(securityGroup)
        .role(role)
        // IMDSv2 through a launch template per node, uniquely named (PgpilotApp sets the feature flag).
        .requireImdsv2(true)
        .detailedMonitoring(true)
        .disableApiTermination(props.terminationProtection())
        .blockDevices(List.of(BlockDevice.builder()
            .deviceName("/dev/xvda")
            .volume(BlockDeviceVolume.ebs(props.volumeSizeGib(), EbsDeviceOptions.builder()
                .encrypted(true).volumeType(EbsDeviceVolumeType.GP3).deleteOnTermination(true).build()))
            .build()))
        .propagateTagsToVolumeOnCreation(true)
        .build();
    // The boot gate (pgpilot-boot.sh) reads the node's pgpilot:role tag from the instance metadata.
    CfnInstance resource = (CfnInstance) instance.getNode().getDefaultChild();
    resource.setMetadataOptions(CfnInstance.MetadataOptionsProperty
        .builder().httpTokens("required").instanceMetadataTags("enabled").build());
    // The subnet fixes the zone; a literal one (a VPC given by its attributes) is what cfn-lint W3010 warns of.
    if (!Token.isUnresolved(subnet.getAvailabilityZone())) {
      resource.addPropertyDeletionOverride("AvailabilityZone");
    }
    Tags.of(instance).add("Name", "pgpilot-" + props.clusterName() + "-" + node.name());
    Tags.of(instance).add(PgpilotTags.CLUSTER, props.clusterName());
    Tags.of(instance).add(PgpilotTags.NAME, node.name());
    Tags.of(instance).add(PgpilotTags.ROLE, node.role());
    Tags.of(instance).add(PgpilotTags.PGCLUSTER, "main");
    if (node.upstream() != null) {
      Tags.of(instance).add(PgpilotTags.UPSTREAM, node.upstream());
    }
    Tags.of(instance).add(PgpilotTags.SYNC, Boolean.toString(node.sync()));
    return instance;
  }

  /** UpdateHosts entries of the nodes made before this one; a node adds its own address at boot. */
  private static String earlierHosts(Map<String, String> addresses) {
    return DatabaseTier.hostsEntries(addresses, LAYOUT.get(0).name());
  }

  @Override
  public ISecurityGroup securityGroup() {
    return securityGroup;
  }

  @Override
  public void allowFrom(ISecurityGroup peer, String why) {
    securityGroup.addIngressRule(peer, Port.tcp(PORT), why);
  }

  @Override
  public ISecret monitorSecret() {
    return monitorSecret;
  }

  @Override
  public List<ISecret> clientSecrets() {
    return List.of(adminSecret);
  }

  public ISecret replicationSecret() {
    return replicationSecret;
  }

  @Override
  public List<Backend> backends() {
    return Backend.streaming(LAYOUT.stream().map(Layout::name).toList(), LAYOUT.get(0).name());
  }

  @Override
  public String hostsEntries() {
    Map<String, String> all = new LinkedHashMap<>();
    nodes.forEach(n -> all.put(n.name(), n.privateIp()));
    return earlierHosts(all);
  }

  @Override
  public List<Node> nodes() {
    return List.copyOf(nodes);
  }

  public Map<String, Instance> instances() {
    return java.util.Collections.unmodifiableMap(instances);
  }

  public Role role() {
    return role;
  }
}

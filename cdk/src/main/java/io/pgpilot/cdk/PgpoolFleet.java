package io.pgpilot.cdk;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import io.pgpilot.core.ClusterNames;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Tags;
import software.amazon.awscdk.services.autoscaling.AdditionalHealthCheckType;
import software.amazon.awscdk.services.autoscaling.AdditionalHealthChecksOptions;
import software.amazon.awscdk.services.autoscaling.AutoScalingGroup;
import software.amazon.awscdk.services.autoscaling.HealthChecks;
import software.amazon.awscdk.services.ec2.BlockDevice;
import software.amazon.awscdk.services.ec2.BlockDeviceVolume;
import software.amazon.awscdk.services.ec2.EbsDeviceOptions;
import software.amazon.awscdk.services.ec2.EbsDeviceVolumeType;
import software.amazon.awscdk.services.ec2.LaunchTemplate;
import software.amazon.awscdk.services.ec2.MachineImage;
import software.amazon.awscdk.services.ec2.OperatingSystemType;
import software.amazon.awscdk.services.ec2.Peer;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.SsmParameterImageOptions;
import software.amazon.awscdk.services.elasticloadbalancingv2.AddNetworkTargetsProps;
import software.amazon.awscdk.services.elasticloadbalancingv2.BaseNetworkListenerProps;
import software.amazon.awscdk.services.elasticloadbalancingv2.HealthCheck;
import software.amazon.awscdk.services.elasticloadbalancingv2.NetworkListener;
import software.amazon.awscdk.services.elasticloadbalancingv2.NetworkLoadBalancer;
import software.amazon.awscdk.services.elasticloadbalancingv2.NetworkTargetGroup;
import software.amazon.awscdk.services.elasticloadbalancingv2.Protocol;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.secretsmanager.SecretStringGenerator;
import software.constructs.Construct;

/**
 * pgpool-II hosts in an Auto Scaling group behind an internal Network Load Balancer (TCP 5432):
 * one endpoint for the cluster, as in seed 003, two hosts by default across the zones. Clients
 * reach the NLB only from the allowed CIDRs; the hosts accept 5432 and the health check (HTTP
 * 8081: 200 only while a query through that pgpool reaches a writable primary) only from the NLB.
 * Each host tags itself pgpilot:role=pgpool with a pgpilot:name of its own, which is how
 * pgpilot-PgpoolBackends finds it after a failover, and boots into the cluster as its pgpilot:role
 * tags say it is.
 */
public final class PgpoolFleet extends Construct {

  /** The pgpool hosts' health check (pgpool-health.sh, under systemd socket activation). */
  static final int HEALTH_PORT = 8081;

  private final SecurityGroup securityGroup;
  private final SecurityGroup loadBalancerSecurityGroup;
  private final NetworkLoadBalancer loadBalancer;
  private final NetworkTargetGroup targetGroup;
  private final AutoScalingGroup group;
  private final Secret pcpSecret;

  public PgpoolFleet(Construct scope, String id, PgpoolFleetProps props) {
    super(scope, id);
    String cluster = props.clusterName();
    loadBalancerSecurityGroup = SecurityGroup.Builder.create(this, "LoadBalancerSecurityGroup")
        .vpc(props.vpc())
        .description("pgpilot " + cluster + " pgpool NLB: 5432 from the allowed client CIDRs only")
        .allowAllOutbound(false)
        .build();
    props.allowedCidrs().forEach(cidr ->
        loadBalancerSecurityGroup.addIngressRule(Peer.ipv4(cidr), Port.tcp(DatabaseTier.PORT), "clients in " + cidr));
    securityGroup = SecurityGroup.Builder.create(this, "SecurityGroup")
        .vpc(props.vpc())
        .description("pgpilot " + cluster + " pgpool hosts: 5432 from the NLB only")
        // Egress: packages at first boot, the AWS APIs, the backends.
        .allowAllOutbound(true)
        .build();
    securityGroup.addIngressRule(loadBalancerSecurityGroup, Port.tcp(DatabaseTier.PORT), "the pgpool NLB");
    securityGroup.addIngressRule(loadBalancerSecurityGroup, Port.tcp(HEALTH_PORT), "the pgpool NLB's health check");
    loadBalancerSecurityGroup.addEgressRule(securityGroup, Port.tcp(DatabaseTier.PORT), "to the pgpool hosts");
    loadBalancerSecurityGroup.addEgressRule(securityGroup, Port.tcp(HEALTH_PORT), "health checks of the pgpool hosts");
    props.database().allowFrom(securityGroup, "pgpool");

    pcpSecret = Secret.Builder.create(this, "PcpSecret")
        .secretName(new ClusterNames(props.clusterName()).pcpSecret())
        .description("pgpilot: pgpool's PCP password for user pgpilot (plain string, read by pgpilot-PgpoolBackends)")
        .generateSecretString(SecretStringGenerator.builder().excludePunctuation(true).passwordLength(32).build())
        .build();
    NagSuppressions.addResourceSuppressions(pcpSecret, List.of(NagPackSuppression.builder().id("AwsSolutions-SMG4")
        .reason("pgpool's pcp.conf holds its hash from first boot; rotate by replacing the pgpool hosts")
        .build()));

    Role role = role(props);
    LaunchTemplate template = LaunchTemplate.Builder.create(this, "LaunchTemplate")
        .machineImage(MachineImage.fromSsmParameter(props.amiParameter(),
            SsmParameterImageOptions.builder().os(OperatingSystemType.LINUX).build()))
        .instanceType(props.instanceType())
        .userData(HostBootstrap.userData(HostBootstrap.Kind.PGPOOL, variables(props)))
        .role(role)
        .securityGroup(securityGroup)
        .requireImdsv2(true)
        .detailedMonitoring(true)
        .blockDevices(List.of(BlockDevice.builder()
            .deviceName("/dev/xvda")
            .volume(BlockDeviceVolume.ebs(8, EbsDeviceOptions.builder()
                .encrypted(true).volumeType(EbsDeviceVolumeType.GP3).deleteOnTermination(true).build()))
            .build()))
        .build();
    group = AutoScalingGroup.Builder.create(this, "Group")
        .vpc(props.vpc())
        .vpcSubnets(props.subnets())
        .launchTemplate(template)
        // No desired capacity: the minimum sets it, and a deploy never resets a group the operator resized.
        .minCapacity(props.capacity())
        .maxCapacity(props.capacity() + 1)
        .cooldown(Duration.minutes(5))
        // A host that stops answering on 5432 is replaced, after the few minutes a first boot takes.
        .healthChecks(HealthChecks.withAdditionalChecks(AdditionalHealthChecksOptions.builder()
            .additionalTypes(List.of(AdditionalHealthCheckType.ELB))
            .gracePeriod(Duration.minutes(10))
            .build()))
        .build();
    Tags.of(group).add("Name", "pgpilot-" + cluster + "-pgpool");
    Tags.of(group).add(PgpilotTags.CLUSTER, cluster);
    Tags.of(group).add(PgpilotTags.ROLE, PgpilotTags.PGPOOL_ROLE);
    NagSuppressions.addResourceSuppressions(group, List.of(NagPackSuppression.builder().id("AwsSolutions-AS3")
        .reason("Replacements show in the group's activity history and as EC2 state-change events; SNS scaling"
            + " notifications to the cluster's KMS-encrypted topic would need the Auto Scaling service-linked role"
            + " in the key policy, which does not exist in an account before its first group")
        .build()));

    loadBalancer = NetworkLoadBalancer.Builder.create(this, "LoadBalancer")
        .vpc(props.vpc())
        .vpcSubnets(props.subnets())
        .internetFacing(false)
        .crossZoneEnabled(true)
        .securityGroups(List.of(loadBalancerSecurityGroup))
        .build();
    NagSuppressions.addResourceSuppressions(loadBalancer, List.of(NagPackSuppression.builder().id("AwsSolutions-ELB2")
        .reason("NLB access logs record TLS listeners only; this listener is TCP (PostgreSQL negotiates TLS itself),"
            + " so a log bucket would stay empty. VPC flow logs record the connections.")
        .build()));
    NetworkListener listener = loadBalancer.addListener("Postgres", BaseNetworkListenerProps.builder()
        .port(DatabaseTier.PORT)
        .protocol(Protocol.TCP)
        .build());
    targetGroup = listener.addTargets("Pgpool", AddNetworkTargetsProps.builder()
        .port(DatabaseTier.PORT)
        .protocol(Protocol.TCP)
        .targets(List.of(group))
        .deregistrationDelay(Duration.seconds(30))
        // An open 5432 says nothing of the backends: a pgpool that reaches no primary must leave.
        .healthCheck(HealthCheck.builder()
            .protocol(Protocol.HTTP)
            .port(Integer.toString(HEALTH_PORT))
            .path("/")
            .healthyHttpCodes("200")
            .interval(Duration.seconds(10))
            .healthyThresholdCount(2)
            .unhealthyThresholdCount(2)
            .build())
        .build());
  }

  private Map<String, String> variables(PgpoolFleetProps props) {
    Map<String, String> vars = new LinkedHashMap<>();
    vars.put("PGPILOT_CLUSTER", props.clusterName());
    vars.put("PGPILOT_DOCUMENT_PREFIX", new ClusterNames(props.clusterName()).documentPrefix());
    vars.put("PGPILOT_ENGINE", props.engine().runtime());
    vars.put("PGPILOT_BACKENDS", DatabaseTier.Backend.items(props.database().backends()));
    vars.put("PGPILOT_HOSTS", props.database().hostsEntries());
    vars.put("PGPILOT_CLIENT_CIDRS", String.join(",", props.allowedCidrs()));
    vars.put("PGPILOT_MONITOR_SECRET", props.database().monitorSecret().getSecretArn());
    vars.put("PGPILOT_POOL_SECRETS", String.join(",",
        props.database().clientSecrets().stream().map(ISecret::getSecretArn).toList()));
    vars.put("PGPILOT_PCP_SECRET", pcpSecret.getSecretArn());
    return vars;
  }

  private Role role(PgpoolFleetProps props) {
    Role role = Role.Builder.create(this, "Role")
        .assumedBy(new ServicePrincipal("ec2.amazonaws.com"))
        .description("pgpilot " + props.clusterName() + " pgpool hosts: SSM agent, their logins, naming themselves,"
            + " reporting a backend they detached")
        .build();
    SsmAgent.grant(role);
    List<ISecret> secrets = new ArrayList<>(props.database().clientSecrets());
    secrets.add(props.database().monitorSecret());
    secrets.add(pcpSecret);
    secrets.forEach(s -> s.grantRead(role));
    role.addToPolicy(PolicyStatement.Builder.create()
        .actions(List.of("ssm:GetDocument"))
        .resources(props.documents().arns())
        .build());
    // Only the pgpilot:name tag, only on this cluster's pgpool instances.
    role.addToPolicy(PolicyStatement.Builder.create()
        .actions(List.of("ec2:CreateTags"))
        .resources(List.of(software.amazon.awscdk.Stack.of(this).formatArn(software.amazon.awscdk.ArnComponents.builder()
            .service("ec2").resource("instance").resourceName("*").build())))
        .conditions(Ordered.map(Map.of(
            "StringEquals", Map.of(
                "aws:ResourceTag/" + PgpilotTags.CLUSTER, props.clusterName(),
                "aws:ResourceTag/" + PgpilotTags.ROLE, PgpilotTags.PGPOOL_ROLE),
            "ForAllValues:StringEquals", Map.of("aws:TagKeys", List.of(PgpilotTags.NAME)))))
        .build());
    if (props.engine() != Engine.AURORA) {
      // The sensor: pgpool's failover_command reports a backend it detached, on the default bus,
      // with pgpool's own source and detail-type only, so a pgpool host cannot pose as AWS or as pgpilot.
      role.addToPolicy(PolicyStatement.Builder.create()
          .actions(List.of("events:PutEvents"))
          .resources(List.of(software.amazon.awscdk.Stack.of(this).formatArn(software.amazon.awscdk.ArnComponents
              .builder().service("events").resource("event-bus").resourceName("default").build())))
          .conditions(Ordered.map(Map.of("StringEquals", Map.of(
              "events:source", FailoverAutomation.PGPOOL_SOURCE,
              "events:detail-type", FailoverAutomation.PGPOOL_DETAIL_TYPE))))
          .build());
    }
    if (props.engine() != Engine.AURORA) {
      // At boot: the cluster's nodes and their pgpilot:role tags, for the hosts map and the backends.
      role.addToPolicy(PolicyStatement.Builder.create()
          .actions(List.of("ec2:DescribeInstances"))
          .resources(List.of("*"))
          .build());
    }
    NagSuppressions.addResourceSuppressions(role, List.of(
        NagPackSuppression.builder().id("AwsSolutions-IAM5")
            .reason("Instance ids of an Auto Scaling group are not known in advance; the conditions limit CreateTags"
                + " to this cluster's pgpool instances and to the pgpilot:name key")
            .appliesTo(List.of("Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*"))
            .build(),
        NagPackSuppression.builder().id("AwsSolutions-IAM5")
            .reason(SsmAgent.WHY_ANY_RESOURCE + "; and ec2:DescribeInstances supports no resource-level"
                + " permission: it reads, and a host reads only its cluster's nodes by their pgpilot:cluster tag")
            .appliesTo(List.of("Resource::*"))
            .build()), true);
    return role;
  }

  public SecurityGroup securityGroup() {
    return securityGroup;
  }

  public NetworkLoadBalancer loadBalancer() {
    return loadBalancer;
  }

  public NetworkTargetGroup targetGroup() {
    return targetGroup;
  }

  public AutoScalingGroup group() {
    return group;
  }

  public ISecret pcpSecret() {
    return pcpSecret;
  }
}

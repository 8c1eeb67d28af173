package io.pgpilot.cdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.ec2.VpcAttributes;

/** A VPC of the user's (part 1) and PostgreSQL instances of the user's (engine existing, part 2). */
class ExistingVpcTest {

  private static final List<String> SUBNETS = List.of("subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002");

  /** Engine ec2 in the user's VPC, through the app's context keys. */
  private static Synth.Result ec2InVpc;

  private static synchronized Synth.Result ec2InVpc() {
    if (ec2InVpc == null) {
      Map<String, String> context = new HashMap<>(Synth.EXISTING);
      context.keySet().removeAll(List.of("dbSecurityGroupId", "nodes"));
      context.put("engine", Engine.EC2.id());
      ec2InVpc = synth(context);
    }
    return ec2InVpc;
  }

  private static Synth.Result synth(Map<String, String> context) {
    try {
      Path outdir = Files.createTempDirectory("pgpilot-test-synth-vpc");
      try {
        Templates.Synthesized synthesized = Templates.synth(context, outdir);
        return new Synth.Result(synthesized, Template.fromString(synthesized.json()));
      } finally {
        Templates.deleteTree(outdir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String refused(Executable build) {
    return assertThrows(IllegalArgumentException.class, build).getMessage();
  }

  private static Stack stack() {
    return new Stack(new App(AppProps.builder().analyticsReporting(false).build()), "Test");
  }

  private static IVpc vpc(Stack stack, List<String> zones, List<String> subnets) {
    return Vpc.fromVpcAttributes(stack, "Vpc", VpcAttributes.builder().vpcId("vpc-0abc1234").vpcCidrBlock("10.20.0.0/16")
        .availabilityZones(zones).privateSubnetIds(subnets).build());
  }

  private static PgpilotClusterProps.Builder inVpc(Stack stack) {
    return PgpilotClusterProps.builder().clusterName("main").allowedCidrs(List.of("10.20.0.0/16"))
        .lambdaCode(Path.of("x.jar")).ssmDocuments(Path.of("ssm-documents"))
        .vpc(vpc(stack, List.of("us-east-1a", "us-east-1b"), SUBNETS));
  }

  private static PgpilotClusterProps.Builder existing(Stack stack) {
    ISecurityGroup group = SecurityGroup.fromSecurityGroupId(stack, "Db", "sg-0123456789abcdef0");
    return inVpc(stack).engine(Engine.EXISTING).databaseSecurityGroup(group)
        .existingNodes(List.of("pg1=10.20.1.5", "pg2=10.20.2.6"));
  }

  /** The subnets of the functions, which all share one. */
  @SuppressWarnings("unchecked")
  private static List<Object> lambdaSubnets(Synth.Result result) {
    List<Object> selections = result.resources("AWS::Lambda::Function").values().stream()
        .map(f -> (Map<String, Object>) Synth.Result.properties(f).get("VpcConfig"))
        .filter(config -> config != null)
        .map(config -> config.get("SubnetIds"))
        .distinct().toList();
    assertEquals(1, selections.size(), selections.toString());
    return (List<Object>) selections.get(0);
  }

  @Test
  void engineEc2GoesIntoTheGivenVpcAndSubnets() {
    Synth.Result result = ec2InVpc();
    assertEquals(List.of(), result.synthesized().errors());
    assertEquals(List.of(), result.synthesized().warnings());
    result.template().resourceCountIs("AWS::EC2::VPC", 0);
    result.template().resourceCountIs("AWS::EC2::Subnet", 0);
    assertNull(result.cluster().network());
    assertEquals("vpc-0abc1234", result.cluster().vpc().getVpcId());
    assertEquals(List.copyOf(SUBNETS), lambdaSubnets(result));
    result.template().resourceCountIs("AWS::EC2::Instance", 3);
    result.resources("AWS::EC2::Instance").values().forEach(instance ->
        assertTrue(SUBNETS.contains(Synth.Result.properties(instance).get("SubnetId")), instance.toString()));
    result.template().hasResourceProperties("AWS::AutoScaling::AutoScalingGroup",
        Map.of("VPCZoneIdentifier", SUBNETS));
    // pg_hba.conf's and the functions' range is the VPC's, a literal.
    result.template().hasResourceProperties("AWS::Lambda::Function", Map.of("Environment", Map.of("Variables",
        Match.objectLike(Map.of("PGPILOT_REPLICATION_CIDR", "10.20.0.0/16")))));
  }

  @Test
  void engineExistingDeploysTheAutomationAndNoDatabase() {
    Synth.Result result = Synth.existing();
    Template template = result.template();
    for (String type : List.of("AWS::EC2::VPC", "AWS::EC2::Instance", "AWS::RDS::DBInstance", "AWS::RDS::DBCluster",
        "AWS::S3::Bucket", "AWS::Backup::BackupPlan")) {
      template.resourceCountIs(type, 0);
    }
    assertEquals(List.copyOf(SUBNETS), lambdaSubnets(result));
    // 5432 on the user's security group, from pgpool and the functions.
    assertEquals(2, template.findResources("AWS::EC2::SecurityGroupIngress", Map.of("Properties", Map.of(
        "GroupId", "sg-0123456789abcdef0", "FromPort", 5432, "ToPort", 5432))).size());
    template.hasResourceProperties("AWS::SecretsManager::Secret", Map.of("Name", "pgpilot/main/replication"));
    template.hasResourceProperties("AWS::SecretsManager::Secret", Map.of("GenerateSecretString", Match.objectLike(Map.of(
        "SecretStringTemplate", "{\"username\":\"pgpilot_monitor\"}", "ExcludePunctuation", true))));
    template.resourceCountIs("AWS::IAM::ManagedPolicy", 1);
    template.hasOutput("NodePolicy", Match.anyValue());
    // No instance ids to filter on: every state change reaches the function, which picks the cluster's by tag.
    template.hasResourceProperties("AWS::Events::Rule", Map.of("EventPattern", Map.of("source", List.of("aws.ec2"),
        "detail-type", List.of("EC2 Instance State-change Notification"),
        "detail", Map.of("state", FailoverAutomation.STATES))));
    assertTrue(result.cluster().database().nodes().isEmpty());
    assertTrue(result.cluster().observability().alarms().keySet().stream().noneMatch(a -> a.startsWith("pg")),
        result.cluster().observability().alarms().keySet().toString());
    // pgpool sees PostgreSQL on EC2, backends in name order, the first node given the primary.
    assertTrue(result.json().contains("PGPILOT_ENGINE='ec2'"));
    assertTrue(result.json().contains("PGPILOT_BACKENDS='pg1:5432:0:ALLOW_TO_FAILOVER,pg2:5432:1:ALLOW_TO_FAILOVER,"
        + "pg3:5432:1:ALLOW_TO_FAILOVER'"), "backends");
    assertTrue(result.json().contains("PGPILOT_HOSTS='10.20.1.5 pg1 pg-primary,10.20.2.6 pg2,10.20.1.7 pg3'"), "hosts");
  }

  @Test
  void withoutPgpoolThereIsNoFleetNoLoadBalancerAndNoEndpointOutput() {
    Map<String, String> context = new HashMap<>(Synth.EXISTING);
    context.remove("nodes");
    context.put("pgpool", "false");
    Synth.Result result = synth(context);
    assertEquals(List.of(), result.synthesized().errors());
    assertNull(result.cluster().pgpool());
    for (String type : List.of("AWS::AutoScaling::AutoScalingGroup", "AWS::ElasticLoadBalancingV2::LoadBalancer",
        "AWS::EC2::Instance", "AWS::EC2::VPC")) {
      result.template().resourceCountIs(type, 0);
    }
    assertFalse(result.template().toJSON().get("Outputs").toString().contains("PgpoolEndpoint"));
    result.template().hasOutput("AdminSecret", Match.anyValue());
  }

  @Test
  void aVpcOfOneZoneIsRefusedWithWhatWasFound() {
    Stack stack = stack();
    IVpc narrow = vpc(stack, List.of("us-east-1a"), List.of("subnet-0a1b2c3d4e5f60001"));
    String message = refused(() -> inVpc(stack()).vpc(narrow).build());
    assertTrue(message.contains("vpc-0abc1234") && message.contains("1 subnet(s)") && message.contains("us-east-1a"),
        message);
  }

  @Test
  void conflictingOrIncompletePropsAreRefusedWithTheWayOut() {
    Stack stack = stack();
    String message = refused(() -> inVpc(stack()).vpcCidr("10.30.0.0/16").build());
    assertTrue(message.contains("vpcCidr=10.30.0.0/16") && message.contains("vpc-0abc1234"), message);
    message = refused(() -> inVpc(stack()).natGateways(0).build());
    assertTrue(message.contains("natGateways=0"), message);
    message = refused(() -> PgpilotClusterProps.builder().clusterName("main").allowedCidrs(List.of("10.0.0.0/8"))
        .lambdaCode(Path.of("x.jar")).ssmDocuments(Path.of("ssm-documents"))
        .subnets(SubnetSelection.builder().build()).build());
    assertTrue(message.contains("no vpc was given"), message);
    message = refused(() -> existing(stack()).databaseSecurityGroup(null).build());
    assertTrue(message.contains("engine existing needs databaseSecurityGroup"), message);
    message = refused(() -> inVpc(stack()).existingNodes(List.of("pg1=10.20.1.5")).build());
    assertTrue(message.contains("engine existing only") && message.contains("engine ec2"), message);
    message = refused(() -> existing(stack()).existingNodes(List.of()).build());
    assertTrue(message.contains("needs existingNodes") && message.contains("pgpool false"), message);
    message = refused(() -> existing(stack()).existingNodes(List.of("pg1;rm=10.20.1.5")).build());
    assertTrue(message.contains("pg1;rm") && message.contains("RFC 1123"), message);
    message = refused(() -> existing(stack()).existingNodes(List.of("pg1=10.20.1")).build());
    assertTrue(message.contains("IPv4") && message.contains("'10.20.1'"), message);
    message = refused(() -> existing(stack()).existingNodes(List.of("pg1")).build());
    assertTrue(message.contains("name=address"), message);
    // A VPC whose range is a token: pg_hba.conf needs a literal.
    IVpc tokenVpc = new Vpc(stack, "Made");
    message = refused(() -> inVpc(stack()).vpc(tokenVpc).build());
    assertTrue(message.contains("replicationCidr is required"), message);
    assertEquals("10.0.0.0/16", inVpc(stack()).vpc(tokenVpc).replicationCidr("10.0.0.0/16").build().replicationCidr());
    assertTrue(existing(stack()).pgpool(false).existingNodes(List.of()).build().existingNodes().isEmpty());
  }

  @Test
  void theAppNamesTheContextKeyThatIsMissing() {
    Map<String, String> noSubnets = new HashMap<>(Synth.EXISTING);
    noSubnets.remove("subnetIds");
    assertAppRefuses(noSubnets, "context subnetIds is required with vpcId", "-c subnetIds=");
    Map<String, String> noCidr = new HashMap<>(Synth.EXISTING);
    noCidr.remove("vpcCidr");
    assertAppRefuses(noCidr, "context vpcCidr is required with vpcId", "-c vpcCidr=");
    Map<String, String> noGroup = new HashMap<>(Synth.EXISTING);
    noGroup.remove("dbSecurityGroupId");
    assertAppRefuses(noGroup, "context dbSecurityGroupId is required with engine existing", "-c dbSecurityGroupId=sg-");
    Map<String, String> noNodes = new HashMap<>(Synth.EXISTING);
    noNodes.remove("nodes");
    assertAppRefuses(noNodes, "context nodes is required", "-c pgpool=false");
    assertAppRefuses(Map.of("subnetIds", "subnet-0a1b2c3d4e5f60001"), "needs vpcId too", "-c vpcId=");
    Map<String, String> uneven = new HashMap<>(Synth.EXISTING);
    uneven.put("availabilityZones", "us-east-1a");
    assertAppRefuses(uneven, "one subnet per zone", "2 subnets");
  }

  private static void assertAppRefuses(Map<String, String> context, String... parts) {
    String message = refused(() -> PgpilotApp.stack(new App(AppProps.builder().analyticsReporting(false)
        .context(context).build())));
    for (String part : parts) {
      assertTrue(message.contains(part), message);
    }
  }
}

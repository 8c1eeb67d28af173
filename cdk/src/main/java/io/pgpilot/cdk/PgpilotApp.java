package io.pgpilot.cdk;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import io.github.cdklabs.cdknag.NagPackProps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.cxapi.CloudAssembly;
import software.amazon.awscdk.cxapi.SynthesisMessageLevel;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.InstanceType;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.ec2.VpcAttributes;

/**
 * The CDK app: one {@link PgpilotStack}, configured by context keys (-c key=value):
 * <ul>
 *   <li>engine: ec2 (default), aurora, or existing (PostgreSQL instances of yours, tagged pgpilot:cluster=NAME
 *       by pgpilot ctl adopt: only the automation and pgpool are deployed)</li>
 *   <li>clusterName: the pgpilot:cluster tag; default main</li>
 *   <li>allowedCidrs: comma-separated client ranges for pgpool's NLB; default the VPC's range</li>
 *   <li>vpcCidr (10.80.0.0/16), natGateways (1), interfaceEndpoints (true when natGateways is 0): the VPC made
 *       when there is no vpcId</li>
 *   <li>vpcId: an existing VPC instead (no AWS lookup); it needs vpcCidr (the VPC's range),
 *       availabilityZones (comma-separated) and subnetIds (its private subnets, comma-separated, one per zone
 *       in the same order); natGateways and interfaceEndpoints are refused with it</li>
 *   <li>dbSecurityGroupId: the security group of your database instances (engine existing, required)</li>
 *   <li>nodes: your database nodes as name=address, comma-separated, primary first, e.g.
 *       pg1=10.0.1.5,pg2=10.0.2.6 (engine existing; required with pgpool)</li>
 *   <li>pgpool: true (default) or false, no pgpool fleet and no NLB</li>
 *   <li>dbInstanceType (t4g.medium), pgpoolInstanceType (t4g.small), pgpoolCapacity (2)</li>
 *   <li>amiParameter (Debian 12 arm64), terminationProtection (true)</li>
 *   <li>hostedZoneId and dnsName: a Route 53 private record of the primary (both or neither)</li>
 *   <li>lambdaAsset: the functions' jar; default functions/target/pgpilot-functions-lambda.jar</li>
 *   <li>ssmDocuments: default ssm-documents/</li>
 *   <li>stackName: default pgpilot-{clusterName}</li>
 * </ul>
 * Relative default paths are looked up from the working directory and its parent (the app runs
 * in cdk/ under the cdk CLI, in the repository root under ./pgpilot synth). AwsSolutions checks
 * run on every synth, so a finding nobody acknowledged stops a deploy.
 */
public final class PgpilotApp {

  static final String LAMBDA_JAR = "functions/target/pgpilot-functions-lambda.jar";
  static final String DOCUMENTS = "ssm-documents";

  private PgpilotApp() {
  }

  public static void main(String[] args) {
    App app = new App(AppProps.builder().analyticsReporting(false).build());
    stack(app);
    // As `cdk synth` does: an error annotation (an unacknowledged AwsSolutions finding) fails the synth.
    List<String> errors = messages(app.synth(), SynthesisMessageLevel.ERROR);
    if (!errors.isEmpty()) {
      errors.forEach(e -> System.err.println("pgpilot synth: " + e));
      System.exit(1);
    }
  }

  /** Builds the stack from the app's context, with the AwsSolutions checks on the app. */
  public static PgpilotStack stack(App app) {
    Context context = new Context(app);
    String clusterName = context.text("clusterName", "main");
    Engine engine = Engine.of(context.text("engine", "ec2"));
    String vpcId = context.text("vpcId", null);
    String vpcCidr = vpcId == null ? context.text("vpcCidr", Defaults.VPC_CIDR)
        : context.required("vpcCidr", "10.20.0.0/16", "with vpcId (the VPC's range)");
    boolean pgpool = context.bool("pgpool", true);
    PgpilotClusterProps.Builder props = PgpilotClusterProps.builder()
        .clusterName(clusterName)
        .engine(engine)
        .allowedCidrs(context.list("allowedCidrs", vpcCidr))
        .lambdaCode(context.path("lambdaAsset", LAMBDA_JAR))
        .ssmDocuments(context.path("ssmDocuments", DOCUMENTS))
        .pgpool(pgpool)
        .dbInstanceType(new InstanceType(context.text("dbInstanceType", "t4g.medium")))
        .pgpoolInstanceType(new InstanceType(context.text("pgpoolInstanceType", "t4g.small")))
        .pgpoolCapacity(context.number("pgpoolCapacity", 2))
        .amiParameter(context.text("amiParameter", Defaults.AMI_PARAMETER))
        .terminationProtection(context.bool("terminationProtection", true))
        .hostedZoneId(context.text("hostedZoneId", null))
        .dnsName(context.text("dnsName", null))
        .existingNodes(context.list("nodes", ""));
    // They shape only the VPC pgpilot makes: with vpcId the props refuse them.
    if (context.text("natGateways", null) != null) {
      props.natGateways(context.number("natGateways", Defaults.NAT_GATEWAYS));
    }
    if (context.text("interfaceEndpoints", null) != null) {
      props.interfaceEndpoints(context.bool("interfaceEndpoints", false));
    }
    if (vpcId == null) {
      for (String key : List.of("availabilityZones", "subnetIds")) {
        if (context.text(key, null) != null) {
          throw new IllegalArgumentException("context " + key + " describes an existing VPC and needs vpcId too,"
              + " e.g. -c vpcId=vpc-0abc1234; or drop it to let pgpilot make the VPC");
        }
      }
      props.vpcCidr(vpcCidr);
    }
    if (engine == Engine.EXISTING) {
      context.required("vpcId", "vpc-0abc1234", "with engine existing (the VPC of your database instances)");
      context.required("dbSecurityGroupId", "sg-0123456789abcdef0",
          "with engine existing (the security group of your database instances)");
      if (pgpool) {
        context.required("nodes", "pg1=10.0.1.5,pg2=10.0.2.6,pg3=10.0.1.7",
            "with engine existing and pgpool (pgpool's backends, primary first; or -c pgpool=false)");
      }
    }
    String stackName = context.text("stackName", "pgpilot-" + clusterName.replaceAll("[^A-Za-z0-9-]", "-"));
    PgpilotStack stack = new PgpilotStack(app, stackName, StackProps.builder().stackName(stackName)
        .description("pgpilot: event-driven serverless HA for PostgreSQL (cluster " + clusterName + ")").build(),
        scope -> {
          if (vpcId != null) {
            props.vpc(existingVpc(scope, context, vpcId, vpcCidr));
          }
          String securityGroupId = context.text("dbSecurityGroupId", null);
          if (securityGroupId != null) {
            props.databaseSecurityGroup(SecurityGroup.fromSecurityGroupId(scope, "DatabaseSecurityGroup",
                securityGroupId));
          }
          return props.build();
        });
    Aspects.of(app).add(new AwsSolutionsChecks(NagPackProps.builder().verbose(true).build()));
    return stack;
  }

  /** The VPC of vpcId as the context describes it: no lookup, so no AWS account is needed at synth. */
  private static IVpc existingVpc(Stack scope, Context context, String vpcId, String vpcCidr) {
    List<String> zones = context.list(context.required("availabilityZones", "us-east-1a,us-east-1b",
        "with vpcId (the VPC's zones, in the order of subnetIds)"));
    List<String> subnetIds = context.list(context.required("subnetIds", "subnet-0a1b2c3d,subnet-0b2c3d4e",
        "with vpcId (private subnets, one per zone of availabilityZones, in the same order)"));
    if (zones.size() != subnetIds.size()) {
      throw new IllegalArgumentException("context subnetIds must name one subnet per zone of availabilityZones, in the"
          + " same order; got " + subnetIds.size() + " subnets " + subnetIds + " for " + zones.size() + " zones "
          + zones);
    }
    IVpc vpc = Vpc.fromVpcAttributes(scope, "Vpc", VpcAttributes.builder()
        .vpcId(vpcId)
        .vpcCidrBlock(vpcCidr)
        .availabilityZones(zones)
        .privateSubnetIds(subnetIds)
        .build());
    Annotations.of(vpc).acknowledgeWarning("@aws-cdk/aws-ec2:noSubnetRouteTableId",
        "pgpilot adds no route and no endpoint to a VPC it did not make: nothing reads the subnets' route tables");
    return vpc;
  }

  /** The synth's messages of one level (errors: what stops `cdk deploy`), as "path: text". */
  static List<String> messages(CloudAssembly assembly, SynthesisMessageLevel level) {
    return assembly.getStacks().stream()
        .flatMap(s -> s.getMessages().stream())
        .filter(m -> m.getLevel() == level)
        .map(m -> m.getId() + ": " + m.getEntry().getData())
        .toList();
  }

  /** Context values as the CLI passes them (strings) or as cdk.json holds them (any JSON type). */
  record Context(App app) {

    String text(String key, String fallback) {
      Object value = app.getNode().tryGetContext(key);
      return value == null || value.toString().isBlank() ? fallback : value.toString().trim();
    }

    List<String> list(String key, String fallback) {
      return list(text(key, fallback));
    }

    List<String> list(String value) {
      return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /** The key's value; missing, an error that names the key, when it is needed and an example. */
    String required(String key, String example, String when) {
      String value = text(key, null);
      if (value == null) {
        throw new IllegalArgumentException("context " + key + " is required " + when + "; pass e.g. -c " + key + "="
            + example);
      }
      return value;
    }

    int number(String key, int fallback) {
      String value = text(key, Integer.toString(fallback));
      try {
        return Integer.parseInt(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("context " + key + " must be a whole number, got '" + value + "'");
      }
    }

    boolean bool(String key, boolean fallback) {
      String value = text(key, Boolean.toString(fallback));
      if (!value.equals("true") && !value.equals("false")) {
        throw new IllegalArgumentException("context " + key + " must be true or false, got '" + value + "'");
      }
      return Boolean.parseBoolean(value);
    }

    Path path(String key, String fallback) {
      String value = text(key, null);
      if (value != null) {
        return Path.of(value).toAbsolutePath().normalize();
      }
      for (Path base : List.of(Path.of(""), Path.of(".."))) {
        Path candidate = base.resolve(fallback).toAbsolutePath().normalize();
        if (Files.exists(candidate)) {
          return candidate;
        }
      }
      throw new IllegalArgumentException(fallback + " is not in the working directory " + Path.of("").toAbsolutePath()
          + " or its parent; run from the repository (or cdk/), or pass -c " + key + "=PATH");
    }
  }
}

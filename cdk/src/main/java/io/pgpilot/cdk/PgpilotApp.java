package io.pgpilot.cdk;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import io.github.cdklabs.cdknag.NagPackProps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.cxapi.CloudAssembly;
import software.amazon.awscdk.cxapi.SynthesisMessageLevel;
import software.amazon.awscdk.services.ec2.InstanceType;

/**
 * The CDK app: one {@link PgpilotStack}, configured by context keys (-c key=value):
 * <ul>
 *   <li>engine: ec2 (default) or aurora</li>
 *   <li>clusterName: the pgpilot:cluster tag; default main</li>
 *   <li>allowedCidrs: comma-separated client ranges for pgpool's NLB; default the VPC's range</li>
 *   <li>vpcCidr (10.80.0.0/16), natGateways (1), interfaceEndpoints (true when natGateways is 0)</li>
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
    // requireImdsv2's launch templates get names of their own, so two clusters can share an account.
    app.getNode().setContext("@aws-cdk/aws-ec2:uniqueImdsv2TemplateName", true);
    Context context = new Context(app);
    String clusterName = context.text("clusterName", "main");
    String vpcCidr = context.text("vpcCidr", "10.80.0.0/16");
    PgpilotClusterProps.Builder props = PgpilotClusterProps.builder()
        .clusterName(clusterName)
        .engine(Engine.of(context.text("engine", "ec2")))
        .allowedCidrs(context.list("allowedCidrs", vpcCidr))
        .lambdaCode(context.path("lambdaAsset", LAMBDA_JAR))
        .ssmDocuments(context.path("ssmDocuments", DOCUMENTS))
        .vpcCidr(vpcCidr)
        .natGateways(context.number("natGateways", 1))
        .dbInstanceType(new InstanceType(context.text("dbInstanceType", "t4g.medium")))
        .pgpoolInstanceType(new InstanceType(context.text("pgpoolInstanceType", "t4g.small")))
        .pgpoolCapacity(context.number("pgpoolCapacity", 2))
        .amiParameter(context.text("amiParameter", Defaults.AMI_PARAMETER))
        .terminationProtection(context.bool("terminationProtection", true))
        .hostedZoneId(context.text("hostedZoneId", null))
        .dnsName(context.text("dnsName", null));
    String endpoints = context.text("interfaceEndpoints", null);
    if (endpoints != null) {
      props.interfaceEndpoints(context.bool("interfaceEndpoints", false));
    }
    String stackName = context.text("stackName", "pgpilot-" + clusterName.replaceAll("[^A-Za-z0-9-]", "-"));
    PgpilotStack stack = new PgpilotStack(app, stackName, StackProps.builder().stackName(stackName)
        .description("pgpilot: event-driven serverless HA for PostgreSQL (cluster " + clusterName + ")").build(),
        props.build());
    Aspects.of(app).add(new AwsSolutionsChecks(NagPackProps.builder().verbose(true).build()));
    return stack;
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
      return Arrays.stream(text(key, fallback).split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
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

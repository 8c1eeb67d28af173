package io.pgpilot.cdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import io.pgpilot.cdk.example.MinimalApp;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.cxapi.CloudAssembly;
import software.amazon.awscdk.cxapi.SynthesisMessageLevel;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.ec2.VpcAttributes;

/** The README's app builds and synthesizes clean, as a user's app with the AwsSolutions checks on. */
class MinimalAppTest {

  private static final String SECTION = "## Using the construct in your own app";

  /** What Vpc.fromLookup would return, without an account to look in. */
  private static IVpc vpc(Stack stack) {
    return Vpc.fromVpcAttributes(stack, "Vpc", VpcAttributes.builder()
        .vpcId("vpc-0abc1234")
        .vpcCidrBlock("10.20.0.0/16")
        .availabilityZones(List.of("us-east-1a", "us-east-1b"))
        .privateSubnetIds(List.of("subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"))
        .privateSubnetRouteTableIds(List.of("rtb-0a1b2c3d4e5f60001", "rtb-0a1b2c3d4e5f60002"))
        .build());
  }

  private static Template synth(BiConsumer<Stack, IVpc> cluster) {
    App app = new App(AppProps.builder().analyticsReporting(false).build());
    Stack stack = new Stack(app, "orders-db");
    cluster.accept(stack, vpc(stack));
    Aspects.of(app).add(new AwsSolutionsChecks());
    CloudAssembly assembly = app.synth();
    assertEquals(List.of(), PgpilotApp.messages(assembly, SynthesisMessageLevel.ERROR));
    assertEquals(List.of(), PgpilotApp.messages(assembly, SynthesisMessageLevel.WARNING));
    return Template.fromStack(stack);
  }

  /** The README's section shows the example as it is. */
  @Test
  void theDocumentedAppIsThisOne() throws IOException {
    String code = Files.readString(Synth.root().resolve("cdk/src/test/java/io/pgpilot/cdk/example/MinimalApp.java"));
    String readme = Files.readString(Synth.root().resolve("README.md"));
    assertTrue(readme.contains(SECTION), "README.md has no section " + SECTION);
    assertTrue(readme.contains(code), "README.md shows another app than MinimalApp.java: copy the file into it");
  }

  @Test
  void theEc2ClusterGoesIntoTheLookedUpVpc() {
    Template template = synth((stack, vpc) -> MinimalApp.cluster(stack, vpc, Synth.root()));
    template.resourceCountIs("AWS::EC2::VPC", 0);
    template.resourceCountIs("AWS::EC2::Instance", 3);
  }

  @Test
  void theAdoptedVariantMakesNoDatabaseInstance() {
    Template template = synth((stack, vpc) -> MinimalApp.adopted(stack, vpc, Synth.root()));
    template.resourceCountIs("AWS::EC2::VPC", 0);
    template.resourceCountIs("AWS::EC2::Instance", 0);
    template.resourceCountIs("AWS::IAM::ManagedPolicy", 1);
  }
}

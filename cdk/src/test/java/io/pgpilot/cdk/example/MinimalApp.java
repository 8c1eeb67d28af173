package io.pgpilot.cdk.example;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import io.pgpilot.cdk.Engine;
import io.pgpilot.cdk.PgpilotCluster;
import io.pgpilot.cdk.PgpilotClusterProps;
import java.nio.file.Path;
import java.util.List;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.ec2.VpcLookupOptions;

/** A CDK app of your own with pgpilot in a VPC you have (the README shows this file). */
public final class MinimalApp {

  private MinimalApp() {
  }

  public static void main(String[] args) {
    App app = new App();
    // Vpc.fromLookup needs the account and region: the cdk CLI sets these from your credentials.
    Stack stack = new Stack(app, "orders-db", StackProps.builder()
        .env(Environment.builder()
            .account(System.getenv("CDK_DEFAULT_ACCOUNT"))
            .region(System.getenv("CDK_DEFAULT_REGION"))
            .build())
        .build());
    IVpc vpc = Vpc.fromLookup(stack, "Vpc", VpcLookupOptions.builder().vpcId("vpc-0abc1234").build());
    // The functions' jar and the SSM documents come from a pgpilot checkout, read at synth.
    Path pgpilot = Path.of(System.getenv().getOrDefault("PGPILOT_HOME", "../pgpilot"));
    cluster(stack, vpc, pgpilot);
    // Optional: the AwsSolutions checks pgpilot's own app runs; pgpilot's acknowledgements come along.
    Aspects.of(app).add(new AwsSolutionsChecks());
    app.synth();
  }

  /** Three EC2 PostgreSQL nodes, pgpool and the automation, in the VPC's private subnets. */
  public static PgpilotCluster cluster(Stack stack, IVpc vpc, Path pgpilot) {
    return new PgpilotCluster(stack, "Orders", props(vpc, pgpilot)
        .engine(Engine.EC2)
        .build());
  }

  /** The variant for PostgreSQL instances you run, tagged pgpilot:cluster=orders (pgpilot ctl adopt). */
  public static PgpilotCluster adopted(Stack stack, IVpc vpc, Path pgpilot) {
    return new PgpilotCluster(stack, "Orders", props(vpc, pgpilot)
        .engine(Engine.EXISTING)
        .databaseSecurityGroup(SecurityGroup.fromSecurityGroupId(stack, "OrdersDb", "sg-0123456789abcdef0"))
        .existingNodes(List.of("pg1=10.20.1.5", "pg2=10.20.2.6", "pg3=10.20.1.7"))
        .build());
  }

  private static PgpilotClusterProps.Builder props(IVpc vpc, Path pgpilot) {
    return PgpilotClusterProps.builder()
        .clusterName("orders")
        .vpc(vpc)
        .allowedCidrs(List.of("10.20.0.0/16"))
        .lambdaCode(pgpilot.resolve("functions/target/pgpilot-functions-lambda.jar"))
        .ssmDocuments(pgpilot.resolve("ssm-documents"));
  }
}

package io.pgpilot.cdk;

import java.util.function.Function;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.constructs.Construct;

/** The stack `cdk deploy` creates: one {@link PgpilotCluster} and the outputs an operator needs. */
public final class PgpilotStack extends Stack {

  private final PgpilotCluster cluster;

  public PgpilotStack(Construct scope, String id, StackProps stackProps, PgpilotClusterProps props) {
    this(scope, id, stackProps, stack -> props);
  }

  /** With props that refer to constructs of the stack itself (an imported VPC or security group). */
  public PgpilotStack(Construct scope, String id, StackProps stackProps, Function<Stack, PgpilotClusterProps> props) {
    super(scope, id, stackProps);
    cluster = new PgpilotCluster(this, "Cluster", props.apply(this));
    if (cluster.pgpool() != null) {
      output("PgpoolEndpoint", cluster.pgpool().loadBalancer().getLoadBalancerDnsName(),
          "connect here (port 5432, sslmode=require): writes go to the primary, reads to the standbys");
    }
    DatabaseTier db = cluster.database();
    if (db instanceof ExistingPostgres existing) {
      output("AdminSecret", db.monitorSecret().getSecretArn(),
          "the monitoring login {username, password}: give the role pgpilot_monitor (pg_monitor) this password");
      output("NodePolicy", existing.nodePolicy().getManagedPolicyArn(),
          "attach this managed policy to the role of your database instances");
    } else {
      output("AdminSecret", (db.clientSecrets().isEmpty() ? db.monitorSecret() : db.clientSecrets().get(0)).getSecretArn(),
          "an administrator login {username, password} that pgpool accepts");
    }
    output("StateTable", cluster.automation().table().getTableName(), "leases, processed events, failover history");
    output("Topic", cluster.automation().topic().getTopicArn(), "subscribe here for failover notifications");
    output("SwitchoverFunction", cluster.automation().aliases().get("Switchover").getFunctionArn(),
        "aws lambda invoke --function-name <this> --payload '{\"target\":\"pg2\"}' out.json");
  }

  private void output(String id, String value, String description) {
    CfnOutput.Builder.create(this, id).value(value).description(description).build();
  }

  public PgpilotCluster cluster() {
    return cluster;
  }
}

package io.pgpilot.cdk;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.CustomResource;
import software.amazon.awscdk.services.ec2.Peer;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.constructs.Construct;

/**
 * Aurora's monitoring login, made during the deploy: a function in the VPC (io.pgpilot.handlers.
 * MonitorLoginHandler, the custom resource Custom::PgpilotMonitorLogin) logs in as the master and
 * makes the monitor secret's login a role with pg_monitor. The failover functions and pgpool's
 * health checks use that login; only this function reads the master's.
 */
public final class MonitorLogin extends Construct {

  static final String HANDLER = "io.pgpilot.handlers.MonitorLoginHandler::handleRequest";
  static final String RESOURCE_TYPE = "Custom::PgpilotMonitorLogin";

  private final CustomResource resource;

  public MonitorLogin(Construct scope, String id, MonitorLoginProps props) {
    super(scope, id);
    AuroraPostgres aurora = props.aurora();
    SecurityGroup securityGroup = SecurityGroup.Builder.create(this, "SecurityGroup")
        .vpc(props.vpc())
        .description("pgpilot " + props.clusterName() + " monitor login: Aurora and the AWS APIs")
        .allowAllOutbound(false)
        .build();
    securityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(443), "the AWS APIs and CloudFormation's response URL");
    securityGroup.addEgressRule(aurora.securityGroup(), Port.tcp(DatabaseTier.PORT), "the Aurora cluster's writer");
    aurora.allowFrom(securityGroup, "pgpilot monitor login, at deploy");

    DeployTimeFunction maker = new DeployTimeFunction(this, "Maker", props.clusterName(),
        "makes Aurora's monitoring login at deploy", HANDLER, RESOURCE_TYPE, props.code(),
        function -> function.vpc(props.vpc()).vpcSubnets(props.subnets()).securityGroups(List.of(securityGroup)),
        Map.of(
            "Host", aurora.cluster().getClusterEndpoint().getHostname(),
            "Port", Integer.toString(DatabaseTier.PORT),
            "Database", "postgres",
            "AdminSecretId", aurora.masterSecret().getSecretArn(),
            "MonitorSecretId", aurora.monitorSecret().getSecretArn()));
    aurora.masterSecret().grantRead(maker.role());
    aurora.monitorSecret().grantRead(maker.role());
    resource = maker.resource();
    // The writer instance must take logins: the endpoint's GetAtt orders only the cluster.
    resource.getNode().addDependency(aurora.cluster().getNode().findChild("Writer"));
  }

  /** What the users of the login wait for. */
  public CustomResource resource() {
    return resource;
  }
}

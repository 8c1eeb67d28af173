package io.pgpilot.cdk;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awscdk.services.ec2.FlowLogDestination;
import software.amazon.awscdk.services.ec2.FlowLogOptions;
import software.amazon.awscdk.services.ec2.GatewayVpcEndpointAwsService;
import software.amazon.awscdk.services.ec2.GatewayVpcEndpointOptions;
import software.amazon.awscdk.services.ec2.IInterfaceVpcEndpointService;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.InterfaceVpcEndpointAwsService;
import software.amazon.awscdk.services.ec2.InterfaceVpcEndpointOptions;
import software.amazon.awscdk.services.ec2.IpAddresses;
import software.amazon.awscdk.services.ec2.SubnetConfiguration;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.logs.LogGroup;
import software.constructs.Construct;

/**
 * The VPC: private subnets for every host, NLB and Lambda across the AZs; public subnets only
 * to hold NAT gateways. The main child is {@code Resource}, the VPC.
 */
public final class Network extends Construct {

  /** Interface endpoints by the id each gets: what the SSM agent, the hosts and the Lambdas call. */
  static final Map<String, IInterfaceVpcEndpointService> ENDPOINTS = Map.of(
      "Ssm", InterfaceVpcEndpointAwsService.SSM,
      "SsmMessages", InterfaceVpcEndpointAwsService.SSM_MESSAGES,
      "Ec2Messages", InterfaceVpcEndpointAwsService.EC2_MESSAGES,
      "SecretsManager", InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      "Sns", InterfaceVpcEndpointAwsService.SNS,
      "Logs", InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
      "Monitoring", InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING,
      "Ec2", InterfaceVpcEndpointAwsService.EC2);

  private final Vpc vpc;
  private final SubnetType privateType;
  private final String cidr;

  public Network(Construct scope, String id, NetworkProps props) {
    super(scope, id);
    cidr = props.cidr();
    privateType = props.natGateways() > 0 ? SubnetType.PRIVATE_WITH_EGRESS : SubnetType.PRIVATE_ISOLATED;
    List<SubnetConfiguration> subnets = new ArrayList<>();
    if (props.natGateways() > 0) {
      subnets.add(SubnetConfiguration.builder().name("Public").subnetType(SubnetType.PUBLIC).cidrMask(24).build());
    }
    subnets.add(SubnetConfiguration.builder().name("Private").subnetType(privateType).cidrMask(20).build());
    vpc = Vpc.Builder.create(this, "Resource")
        .ipAddresses(IpAddresses.cidr(props.cidr()))
        .maxAzs(props.maxAzs())
        .natGateways(props.natGateways())
        .subnetConfiguration(subnets)
        // The WAL archive's traffic to S3 stays off the NAT gateways (cost, and no NAT in the archive's path).
        // Sorted: Map.of's order changes from one JVM to the next, and with it the template.
        .gatewayEndpoints(new TreeMap<>(Map.of("DynamoDb",
            GatewayVpcEndpointOptions.builder().service(GatewayVpcEndpointAwsService.DYNAMODB).build(),
            "S3", GatewayVpcEndpointOptions.builder().service(GatewayVpcEndpointAwsService.S3).build())))
        .build();
    LogGroup flowLog = LogGroup.Builder.create(this, "FlowLog")
        .retention(props.flowLogRetention())
        .build();
    vpc.addFlowLog("FlowLog", FlowLogOptions.builder().destination(FlowLogDestination.toCloudWatchLogs(flowLog)).build());
    if (props.interfaceEndpoints()) {
      ENDPOINTS.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e ->
          vpc.addInterfaceEndpoint(e.getKey(), InterfaceVpcEndpointOptions.builder()
              .service(e.getValue())
              .subnets(privateSubnets())
              .privateDnsEnabled(true)
              .build()));
    }
  }

  public IVpc vpc() {
    return vpc;
  }

  /** Where every host, the NLB and the Lambdas go. */
  public SubnetSelection privateSubnets() {
    return SubnetSelection.builder().subnetType(privateType).build();
  }

  /** The VPC's range as given (not a token): pg_hba.conf and the documents' replicationCidr take it. */
  public String cidr() {
    return cidr;
  }
}

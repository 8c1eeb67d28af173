package io.pgpilot.cdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class NetworkTest {

  @Test
  void defaultVpcHasPrivateSubnetsInTwoAzsOneNatAndAFreeDynamoDbEndpoint() {
    Template template = Synth.ec2().template();
    template.hasResourceProperties("AWS::EC2::VPC", Map.of("CidrBlock", "10.80.0.0/16"));
    template.resourceCountIs("AWS::EC2::Subnet", 4);
    template.resourceCountIs("AWS::EC2::NatGateway", 1);
    template.hasResourceProperties("AWS::EC2::Subnet", Map.of("MapPublicIpOnLaunch", false,
        "CidrBlock", "10.80.16.0/20"));
    template.hasResourceProperties("AWS::EC2::VPCEndpoint", Map.of("VpcEndpointType", "Gateway",
        "ServiceName", Match.objectLike(Map.of("Fn::Join", Match.arrayWith(List.of(Match.arrayWith(
            List.of(".dynamodb"))))))));
    template.hasResourceProperties("AWS::EC2::FlowLog", Map.of("TrafficType", "ALL"));
  }

  @Test
  void withoutNatTheSubnetsAreIsolatedAndTheInterfaceEndpointsCarryTheAwsApis() {
    Stack stack = new Stack(new App(AppProps.builder().analyticsReporting(false).build()), "Net");
    Network network = new Network(stack, "Network", NetworkProps.builder().natGateways(0).build());
    Template template = Template.fromStack(stack);
    template.resourceCountIs("AWS::EC2::NatGateway", 0);
    template.resourceCountIs("AWS::EC2::InternetGateway", 0);
    Map<String, Map<String, Object>> endpoints = template.findResources("AWS::EC2::VPCEndpoint",
        Map.of("Properties", Map.of("VpcEndpointType", "Interface")));
    assertEquals(Network.ENDPOINTS.size(), endpoints.size(), "one interface endpoint per service");
    assertEquals(8, Network.ENDPOINTS.size());
    assertTrue(network.privateSubnets().getSubnetType().name().contains("ISOLATED"));
  }

  @Test
  void noNatAndNoEndpointsIsRefusedWithTheWayOut() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> NetworkProps.builder().natGateways(0).interfaceEndpoints(false).build());
    assertTrue(e.getMessage().contains("set interfaceEndpoints true or natGateways to 1"), e.getMessage());
  }
}

package io.pgpilot.cdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class PgpoolFleetTest {

  private final Synth.Result ec2 = Synth.ec2();
  private final Template template = ec2.template();

  @Test
  void anAutoScalingGroupBehindAnInternalTcpLoadBalancer() {
    template.hasResourceProperties("AWS::ElasticLoadBalancingV2::LoadBalancer", Map.of(
        "Scheme", "internal", "Type", "network"));
    template.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", Map.of("Port", 5432, "Protocol", "TCP"));
    template.hasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", Map.of(
        "Port", 5432, "Protocol", "TCP", "HealthCheckProtocol", "HTTP", "HealthCheckPort", "8081",
        "HealthCheckPath", "/", "Matcher", Map.of("HttpCode", "200")));
    template.hasResourceProperties("AWS::AutoScaling::AutoScalingGroup", Map.of(
        "MinSize", "2", "MaxSize", "3", "HealthCheckType", "ELB",
        "Tags", Match.arrayWith(List.of(
            Map.of("Key", "pgpilot:cluster", "PropagateAtLaunch", true, "Value", "main"),
            Map.of("Key", "pgpilot:role", "PropagateAtLaunch", true, "Value", "pgpool")))));
    template.hasResourceProperties("AWS::EC2::LaunchTemplate", Map.of("LaunchTemplateData", Match.objectLike(Map.of(
        "MetadataOptions", Map.of("HttpTokens", "required"),
        "BlockDeviceMappings", List.of(Match.objectLike(Map.of("Ebs", Match.objectLike(Map.of("Encrypted", true)))))))));
  }

  @Test
  void clientsReachPgpoolOnlyFromTheAllowedCidrsThroughTheLoadBalancer() {
    PgpoolFleet pgpool = ec2.cluster().pgpool();
    String nlb = ec2.stack().resolve(pgpool.loadBalancer().getConnections().getSecurityGroups().get(0)
        .getSecurityGroupId()).toString();
    String hosts = ec2.stack().resolve(pgpool.securityGroup().getSecurityGroupId()).toString();
    Map<String, Map<String, Object>> groups = ec2.resources("AWS::EC2::SecurityGroup");
    boolean sawNlb = false;
    for (Map.Entry<String, Map<String, Object>> group : groups.entrySet()) {
      if (nlb.contains(group.getKey())) {
        sawNlb = true;
        assertEquals(List.of(Map.of("CidrIp", "10.80.0.0/16", "Description", "clients in 10.80.0.0/16",
            "FromPort", 5432, "IpProtocol", "tcp", "ToPort", 5432)),
            Synth.Result.properties(group.getValue()).get("SecurityGroupIngress"));
      }
    }
    assertTrue(sawNlb);
    List<Map<String, Object>> toHosts = ec2.resources("AWS::EC2::SecurityGroupIngress").values().stream()
        .map(Synth.Result::properties).filter(p -> hosts.equals(String.valueOf(p.get("GroupId")))).toList();
    assertEquals(List.of(5432, PgpoolFleet.HEALTH_PORT), toHosts.stream().map(p -> p.get("FromPort")).toList(),
        "pgpool hosts take only the NLB, and its health check: " + toHosts);
    toHosts.forEach(p -> assertEquals(nlb, String.valueOf(p.get("SourceSecurityGroupId"))));
  }

  @Test
  void pgpoolIsConfiguredAsTheSeedSays() {
    String script = HostBootstrap.resource("bootstrap-pgpool.sh");
    for (String setting : List.of("backend_clustering_mode = 'streaming_replication'", "load_balance_mode = on",
        "ssl = on", "enable_pool_hba = on", "health_check_user = '$health_user'",
        "failover_command = '$failover_command'", "failover_on_backend_error = $backend_error",
        "failover_command='" + HostBootstrap.PGPOOL_REPORT + " %d %h %p %P'", "failover_command=''",
        "# BEGIN pgpilot backends")) {
      assertTrue(script.contains(setting), "pgpool.conf sets " + setting);
    }
    String json = ec2.json();
    assertTrue(json.contains("PGPILOT_BACKENDS='pg1:5432:0:ALLOW_TO_FAILOVER,pg2:5432:1:ALLOW_TO_FAILOVER,"
        + "pg3:5432:1:ALLOW_TO_FAILOVER'"), "backends in node-id (name) order, the primary without reads");
  }

  @Test
  void aHostMayPutOnlyPgpoolsOwnEventsOnTheDefaultBus() {
    template.hasResourceProperties("AWS::IAM::Policy", Map.of("PolicyDocument", Map.of("Statement",
        Match.arrayWith(List.of(Match.objectLike(Map.of(
            "Action", "events:PutEvents",
            "Resource", Map.of("Fn::Join", List.of("", List.of("arn:", Map.of("Ref", "AWS::Partition"), ":events:",
                Map.of("Ref", "AWS::Region"), ":", Map.of("Ref", "AWS::AccountId"), ":event-bus/default"))),
            "Condition", Map.of("StringEquals", Map.of(
                "events:detail-type", "pgpool backend down", "events:source", "pgpilot.pgpool")))))))));
    List<String> putEvents = ec2.resources("AWS::IAM::Policy").entrySet().stream()
        .filter(e -> Synth.statements(e.getValue()).stream().anyMatch(s -> Synth.actions(s).contains("events:PutEvents")))
        .map(Map.Entry::getKey).toList();
    assertEquals(1, putEvents.size(), "only the pgpool hosts' role: " + putEvents);
    assertTrue(putEvents.get(0).startsWith("ClusterPgpoolRole"), putEvents.get(0));
    assertTrue(!Synth.aurora().json().contains("events:PutEvents"), "Aurora's pgpool reports nothing");
  }

  @Test
  void aHostMayNameItselfAndNothingElse() {
    template.hasResourceProperties("AWS::IAM::Policy", Map.of("PolicyDocument", Map.of("Statement",
        Match.arrayWith(List.of(Match.objectLike(Map.of(
            "Action", "ec2:CreateTags",
            "Condition", Map.of(
                "StringEquals", Map.of("aws:ResourceTag/pgpilot:cluster", "main", "aws:ResourceTag/pgpilot:role", "pgpool"),
                "ForAllValues:StringEquals", Map.of("aws:TagKeys", List.of("pgpilot:name"))))))))));
  }
}

package io.pgpilot.cdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class PostgresOnEc2Test {

  private final Synth.Result ec2 = Synth.ec2();
  private final Template template = ec2.template();

  @SuppressWarnings("unchecked")
  private Map<String, String> tags(String node) {
    for (Map<String, Object> instance : ec2.resources("AWS::EC2::Instance").values()) {
      Map<String, String> tags = new HashMap<>();
      ((List<Map<String, String>>) Synth.Result.properties(instance).get("Tags"))
          .forEach(t -> tags.put(t.get("Key"), t.get("Value")));
      if (node.equals(tags.get("pgpilot:name"))) {
        tags.put("@subnet", String.valueOf(Synth.Result.properties(instance).get("SubnetId")));
        return tags;
      }
    }
    throw new AssertionError("no instance tagged pgpilot:name=" + node);
  }

  @Test
  void threeNodesCarryTheTagsTheAutomationReadsItsTopologyFrom() {
    template.resourceCountIs("AWS::EC2::Instance", 3);
    Map<String, String> pg1 = tags("pg1");
    Map<String, String> pg2 = tags("pg2");
    Map<String, String> pg3 = tags("pg3");
    for (Map<String, String> tags : List.of(pg1, pg2, pg3)) {
      assertEquals("main", tags.get("pgpilot:cluster"));
      assertEquals("main", tags.get("pgpilot:pgcluster"));
    }
    assertEquals("primary", pg1.get("pgpilot:role"));
    assertFalse(pg1.containsKey("pgpilot:upstream"));
    assertEquals("standby", pg2.get("pgpilot:role"));
    assertEquals("pg1", pg2.get("pgpilot:upstream"));
    assertEquals("true", pg2.get("pgpilot:sync"));
    assertEquals("pg2", pg3.get("pgpilot:upstream"));
    assertEquals("false", pg3.get("pgpilot:sync"));
    // The primary and its synchronous standby never share an AZ.
    assertNotEquals(pg1.get("@subnet"), pg2.get("@subnet"));
    assertNotEquals(pg2.get("@subnet"), pg3.get("@subnet"));
  }

  @Test
  void nodesAreEncryptedImdsV2ProtectedAndManagedThroughSsm() {
    template.hasResourceProperties("AWS::EC2::Instance", Map.of(
        "DisableApiTermination", true,
        "Monitoring", true,
        "BlockDeviceMappings", List.of(Map.of("DeviceName", "/dev/xvda",
            "Ebs", Map.of("Encrypted", true, "VolumeSize", 50, "VolumeType", "gp3", "DeleteOnTermination", true)))));
    // One launch template per node, for IMDSv2, named uniquely.
    assertEquals(3, ec2.resources("AWS::EC2::LaunchTemplate").values().stream().map(Synth.Result::properties)
        .filter(p -> p.get("LaunchTemplateData").equals(Map.of("MetadataOptions", Map.of("HttpTokens", "required"))))
        .map(p -> p.get("LaunchTemplateName")).distinct().count());
    // The SSM agent's own actions, not AmazonSSMManagedInstanceCore (which reads every SSM parameter).
    for (Synth.Result result : List.of(ec2, Synth.aurora())) {
      result.resources("AWS::IAM::Role").values().forEach(role -> assertFalse(
          String.valueOf(Synth.Result.properties(role).get("ManagedPolicyArns")).contains("AmazonSSMManagedInstanceCore"),
          role.toString()));
      List<String> everywhere = result.resources("AWS::IAM::Policy").values().stream()
          .flatMap(p -> Synth.statements(p).stream()).filter(s -> "*".equals(s.get("Resource")))
          .flatMap(s -> Synth.actions(s).stream()).toList();
      assertTrue(everywhere.containsAll(SsmAgent.ACTIONS), everywhere.toString());
      assertFalse(everywhere.stream().anyMatch(a -> a.startsWith("ssm:GetParameter")), everywhere.toString());
    }
    template.hasParameter("*", Map.of("Default", Defaults.AMI_PARAMETER));
  }

  @Test
  void postgresAcceptsOnlyPgpoolItsPeersAndTheAutomation() {
    String db = ec2.stack().resolve(ec2.cluster().database().securityGroup().getSecurityGroupId()).toString();
    List<String> sources = new ArrayList<>();
    for (Map<String, Object> rule : ec2.resources("AWS::EC2::SecurityGroupIngress").values()) {
      Map<String, Object> p = Synth.Result.properties(rule);
      if (db.equals(String.valueOf(p.get("GroupId"))) && !p.get("FromPort").equals(PostgresOnEc2.BACKUP_SERVER_PORT)) {
        assertEquals(5432, p.get("FromPort"));
        assertEquals(5432, p.get("ToPort"));
        assertFalse(p.containsKey("CidrIp"), "no address range reaches PostgreSQL: " + p);
        sources.add(String.valueOf(p.get("SourceSecurityGroupId")));
      }
    }
    String pgpool = ec2.stack().resolve(ec2.cluster().pgpool().securityGroup().getSecurityGroupId()).toString();
    String lambdas = ec2.stack().resolve(ec2.cluster().automation().securityGroup().getSecurityGroupId()).toString();
    assertEquals(List.of(db, lambdas, pgpool).stream().sorted().toList(), sources.stream().sorted().toList());
  }

  @Test
  void everyDatabaseInstanceShowsItsTagsToTheBootGateThroughImdsV2Only() {
    template.resourceCountIs("AWS::EC2::Instance", 3);
    template.allResourcesProperties("AWS::EC2::Instance", Map.of("MetadataOptions",
        Map.of("HttpTokens", "required", "InstanceMetadataTags", "enabled")));
  }

  @Test
  void userDataRunsTheClusterDocumentsAndTheDocumentsComeFirst() {
    String script = HostBootstrap.resource("bootstrap-postgres.sh");
    assertTrue(script.contains("run_document ConfigurePrimary"));
    assertTrue(script.contains("run_document ConfigureStandby"));
    template.hasResource("AWS::EC2::Instance", Map.of("DependsOn",
        Match.arrayWith(List.of(Match.stringLikeRegexp("ClusterDocumentsConfigurePrimary.*")))));
  }
}

package io.pgpilot.cdk;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class AuroraPostgresTest {

  private final Synth.Result aurora = Synth.aurora();
  private final Template template = aurora.template();

  @Test
  void aWriterAndTwoReadersEncryptedWithGeneratedCredentials() {
    template.resourceCountIs("AWS::EC2::Instance", 0);
    template.hasResourceProperties("AWS::RDS::DBCluster", Map.of(
        "Engine", "aurora-postgresql",
        "StorageEncrypted", true,
        "DeletionProtection", true,
        "EnableIAMDatabaseAuthentication", true,
        "Port", 5432,
        "MasterUserPassword", Match.objectLike(Map.of("Fn::Join", Match.anyValue()))));
    template.resourceCountIs("AWS::RDS::DBInstance", 3);
    template.hasResourceProperties("AWS::RDS::DBInstance", Map.of("DBInstanceClass", "db.t4g.medium",
        "Engine", "aurora-postgresql"));
    template.hasResourceProperties("AWS::RDS::DBClusterParameterGroup",
        Map.of("Parameters", Map.of("rds.force_ssl", "1")));
    template.resourceCountIs("AWS::SecretsManager::SecretTargetAttachment", 1);
  }

  @Test
  void pgpoolWritesToTheClusterEndpointAndReadsFromTheReaderEndpoint() {
    String json = aurora.json();
    assertTrue(json.contains("PGPILOT_ENGINE='aurora'"), "pgpool runs in Aurora mode");
    assertTrue(json.contains(":5432:0:ALWAYS_PRIMARY|DISALLOW_TO_FAILOVER,"), "the writer: always primary, no reads");
    assertTrue(json.contains(":5432:1:DISALLOW_TO_FAILOVER'"), "the reader endpoint takes the reads");
    template.hasResourceProperties("AWS::EC2::LaunchTemplate", Map.of("LaunchTemplateData", Match.objectLike(Map.of(
        "UserData", Match.objectLike(Map.of("Fn::Base64", Match.objectLike(Map.of("Fn::Join", List.of("",
            Match.arrayWith(List.of(Map.of("Fn::GetAtt", List.of(Match.stringLikeRegexp("ClusterAurora.*"),
                "Endpoint.Address")))))))))))));
  }

  @Test
  void onlyPgpoolTheAutomationAndTheMonitorLoginFunctionReachAurora() {
    String db = aurora.stack().resolve(aurora.cluster().database().securityGroup().getSecurityGroupId()).toString();
    long rules = aurora.resources("AWS::EC2::SecurityGroupIngress").values().stream()
        .map(Synth.Result::properties)
        .filter(p -> db.equals(String.valueOf(p.get("GroupId"))))
        .peek(p -> assertTrue(p.containsKey("SourceSecurityGroupId") && !p.containsKey("CidrIp"), p.toString()))
        .count();
    org.junit.jupiter.api.Assertions.assertEquals(3, rules);
  }

  @Test
  void theProbesAndHealthChecksLogInAsAMonitoringRoleMadeAtDeployNotAsTheMaster() {
    String monitor = aurora.resources("AWS::SecretsManager::Secret").keySet().stream()
        .filter(id -> id.startsWith("ClusterAuroraMonitorSecret")).findFirst().orElseThrow();
    template.hasResourceProperties(MonitorLogin.RESOURCE_TYPE, Map.of(
        "MonitorSecretId", Map.of("Ref", monitor), "Database", "postgres", "Port", "5432",
        "AdminSecretId", Map.of("Ref", Match.stringLikeRegexp("ClusterAuroraSecretAttachment.*"))));
    long probing = aurora.resources("AWS::Lambda::Function").values().stream()
        .map(f -> String.valueOf(Synth.Result.properties(f).get("Environment")))
        .filter(env -> env.contains("PGPILOT_DB_SECRET"))
        .peek(env -> assertTrue(env.contains("PGPILOT_DB_SECRET={Ref=" + monitor + "}"), env))
        .count();
    org.junit.jupiter.api.Assertions.assertEquals(5, probing, "the automation's functions");
    // Only the login's function may read the master's secret, and pgpool, where clients log in with it.
    for (Map.Entry<String, Map<String, Object>> policy : aurora.resources("AWS::IAM::Policy").entrySet()) {
      String text = policy.getValue().toString();
      if (text.contains("ClusterAuroraSecretAttachment")) {
        assertTrue(policy.getKey().startsWith("ClusterMonitorLoginMakerRole") || policy.getKey().startsWith("ClusterPgpool"),
            policy.getKey() + " reads the master login");
      }
    }
  }
}

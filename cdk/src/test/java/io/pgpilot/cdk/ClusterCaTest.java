package io.pgpilot.cdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;

/** The CA is made at deploy, before any node boots, and no node can write it. */
class ClusterCaTest {

  private final Synth.Result ec2 = Synth.ec2();

  @Test
  void theDeployMakesTheCaIntoItsSecretBeforeTheNodesBoot() {
    ec2.template().hasResourceProperties(ClusterCa.RESOURCE_TYPE, Map.of(
        "SecretId", Map.of("Ref", caSecretLogicalId()), "CommonName", "pgpilot main CA"));
    ec2.template().hasResourceProperties("AWS::Lambda::Function", Map.of(
        "Handler", ClusterCa.HANDLER, "Runtime", "java21"));
    ec2.template().allResources("AWS::EC2::Instance", Map.of("DependsOn",
        Match.arrayWith(List.of(Match.stringLikeRegexp("ClusterCaMaker[0-9A-F]{8}")))));
  }

  @Test
  void noRoleButTheCaFunctionsWritesTheCaSecretAndItWritesNothingElse() {
    String ca = caSecretLogicalId();
    for (Map.Entry<String, Map<String, Object>> policy : ec2.resources("AWS::IAM::Policy").entrySet()) {
      for (Map<String, Object> statement : Synth.statements(policy.getValue())) {
        List<String> actions = Synth.actions(statement);
        boolean writes = actions.stream().anyMatch(a -> a.equals("secretsmanager:PutSecretValue")
            || a.equals("secretsmanager:*") || a.equals("*"));
        if (!writes) {
          continue;
        }
        assertTrue(policy.getKey().startsWith("ClusterCaMakerRole"), policy.getKey() + " may write a secret: " + statement);
        assertEquals(Map.of("Ref", ca), statement.get("Resource"), "only the CA's secret");
      }
    }
    assertFalse(ec2.resources("AWS::IAM::Policy").keySet().stream().noneMatch(k -> k.startsWith("ClusterCaMakerRole")));
  }

  private String caSecretLogicalId() {
    return ec2.resources("AWS::SecretsManager::Secret").keySet().stream()
        .filter(id -> id.startsWith("ClusterCaSecret")).findFirst().orElseThrow();
  }
}

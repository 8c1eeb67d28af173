package io.pgpilot.cdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.assertions.Template;

/**
 * Two clusters in one account and region: nothing one stack names may be named by the other's,
 * or the second deploy fails (a name taken) or, worse, the two share a document or a secret.
 */
class ClustersSideBySideTest {

  /**
   * Names that are not account-wide: an inline policy's is its role's, an alias's its
   * function's; a metric's and a topic's display name name no resource.
   */
  private static final Set<String> NOT_PHYSICAL = Set.of("AWS::IAM::Policy PolicyName", "AWS::Lambda::Alias Name",
      "AWS::CloudWatch::Alarm MetricName", "AWS::SNS::Topic DisplayName");

  @ParameterizedTest
  @EnumSource(Engine.class)
  void twoClustersShareNoPhysicalName(Engine engine) {
    Set<String> a = physicalNames(synth(engine, "a"));
    Set<String> b = physicalNames(synth(engine, "b"));

    assertTrue(a.stream().anyMatch(n -> n.startsWith("AWS::SSM::Document Name=pgpilot-a-")), a::toString);
    assertTrue(a.contains("AWS::SecretsManager::Secret Name=pgpilot/a/pcp"), a::toString);
    Set<String> common = new TreeSet<>(a);
    common.retainAll(b);
    assertEquals(Set.of(), common, "named alike by clusters a and b");
    assertFalse(a.isEmpty());
  }

  /** Every literal top-level *Name or *Identifier property, as "TYPE KEY=VALUE". */
  @SuppressWarnings("unchecked")
  private static Set<String> physicalNames(Template template) {
    Set<String> names = new HashSet<>();
    Map<String, Object> resources = (Map<String, Object>) template.toJSON().get("Resources");
    resources.values().forEach(r -> {
      Map<String, Object> resource = (Map<String, Object>) r;
      Object properties = resource.get("Properties");
      if (!(properties instanceof Map<?, ?> props)) {
        return;
      }
      props.forEach((key, value) -> {
        String property = resource.get("Type") + " " + key;
        if ((key.toString().endsWith("Name") || key.toString().endsWith("Identifier"))
            && value instanceof String literal && !NOT_PHYSICAL.contains(property)) {
          names.add(property + "=" + literal);
        }
      });
    });
    return names;
  }

  private static Map<String, String> context(Engine engine, String cluster) {
    Map<String, String> context = new HashMap<>(Synth.context(engine));
    context.put("clusterName", cluster);
    return context;
  }

  private static Template synth(Engine engine, String cluster) {
    try {
      Path outdir = Files.createTempDirectory("pgpilot-test-synth-" + cluster);
      try {
        App app = new App(AppProps.builder().outdir(outdir.toString()).analyticsReporting(false)
            .context(context(engine, cluster)).build());
        PgpilotStack stack = PgpilotApp.stack(app);
        app.synth();
        return Template.fromString(Files.readString(outdir.resolve(stack.getTemplateFile()), StandardCharsets.UTF_8));
      } finally {
        Templates.deleteTree(outdir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

package io.pgpilot.cdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** cdk-nag's AwsSolutions pack runs on every synth (PgpilotApp adds it); nothing may stay unacknowledged. */
class NagTest {

  @ParameterizedTest
  @EnumSource(Engine.class)
  void noUnacknowledgedAwsSolutionsFindingNorAnyOtherWarning(Engine engine) {
    // The messages of the one synth: a second synth would run the aspects again.
    Templates.Synthesized synthesized = Synth.of(engine).synthesized();
    assertEquals(List.of(), synthesized.errors(), "errors (an AwsSolutions error stops cdk deploy)");
    assertEquals(List.of(), synthesized.warnings(), "warnings, AwsSolutions or CDK's own");
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  @SuppressWarnings("unchecked")
  void everyAcknowledgementSaysWhy(Engine engine) {
    int count = 0;
    for (Object resource : Synth.of(engine).template().toJSON().get("Resources") instanceof Map<?, ?> all
        ? all.values() : List.of()) {
      Map<String, Object> metadata = (Map<String, Object>) ((Map<String, Object>) resource).get("Metadata");
      Object nag = metadata == null ? null : metadata.get("cdk_nag");
      if (nag == null) {
        continue;
      }
      for (Map<String, Object> rule : (List<Map<String, Object>>) ((Map<String, Object>) nag).get("rules_to_suppress")) {
        String reason = String.valueOf(rule.get("reason"));
        assertTrue(reason.length() >= 40, "a real reason for " + rule.get("id") + ": " + reason);
        count++;
      }
    }
    assertTrue(count > 0, "the acknowledgements are in the template");
  }
}

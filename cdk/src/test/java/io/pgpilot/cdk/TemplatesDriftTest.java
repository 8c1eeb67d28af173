package io.pgpilot.cdk;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import java.util.List;
import org.junit.jupiter.params.provider.MethodSource;

/** cfn-templates/ is what the CDK app synthesizes today (normalized), or this fails. */
class TemplatesDriftTest {

  static List<Engine> engines() {
    return Templates.ENGINES;
  }

  @ParameterizedTest
  @MethodSource("engines")
  void theCommittedTemplateMatchesAFreshSynth(Engine engine) throws Exception {
    Path committed = Synth.root().resolve("cfn-templates").resolve(Templates.fileName(engine));
    assertTrue(Files.exists(committed), committed + " is missing: run ./pgpilot synth --templates");
    String fresh = Templates.normalize(Synth.of(engine).json());
    String onDisk = Files.readString(committed, StandardCharsets.UTF_8);
    if (!fresh.equals(onDisk)) {
      String[] a = onDisk.split("\n", -1);
      String[] b = fresh.split("\n", -1);
      int line = 0;
      while (line < Math.min(a.length, b.length) && a[line].equals(b[line])) {
        line++;
      }
      fail(committed + " drifted from a fresh synth, first at line " + (line + 1) + ":\n  committed: "
          + (line < a.length ? a[line].trim() : "<end>") + "\n  fresh:     " + (line < b.length ? b[line].trim() : "<end>")
          + "\nReview the change, then run ./pgpilot synth --templates and commit cfn-templates/.");
    }
  }
}

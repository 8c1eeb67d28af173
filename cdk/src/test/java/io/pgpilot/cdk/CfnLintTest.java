package io.pgpilot.cdk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cfn-lint on what a fresh synth of each engine produces: no error, no warning, no informational finding. */
class CfnLintTest {

  /** cfn-lint as prerequisites.sh provides it: on the PATH, in python3, or in .venv/cfn-lint. */
  static List<String> cfnLint() throws Exception {
    List<List<String>> candidates = List.of(
        List.of("cfn-lint"),
        List.of("python3", "-m", "cfnlint"),
        List.of(Synth.root().resolve(".venv/cfn-lint/bin/cfn-lint").toString()));
    for (List<String> command : candidates) {
      List<String> version = new ArrayList<>(command);
      version.add("--version");
      try {
        Process p = new ProcessBuilder(version).redirectErrorStream(true).start();
        if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
          return command;
        }
      } catch (IOException notThere) {
        // try the next
      }
    }
    return null;
  }

  @Test
  void everyEnginesTemplateIsLintClean(@TempDir Path dir) throws Exception {
    List<String> lint = cfnLint();
    Assumptions.assumeTrue(lint != null, "SKIPPED: cfn-lint is not installed (lab/prerequisites.sh installs it"
        + " where PyPI is reachable); the templates were not linted");
    List<String> command = new ArrayList<>(lint);
    command.add("--");
    for (Engine engine : Engine.values()) {
      Path file = dir.resolve(Templates.fileName(engine));
      Files.writeString(file, Synth.of(engine).json(), StandardCharsets.UTF_8);
      command.add(file.toString());
    }
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(5, TimeUnit.MINUTES);
    assertEquals(0, p.exitValue(), "cfn-lint findings:\n" + output);
    assertEquals("", output.trim());
  }
}

package io.pgpilot.ssm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.lab.ssm.SsmDocument;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every SSM document is safe by construction: guarded parameters, no secrets, clean shell. */
class SsmDocumentTest {

  static final Path DOCUMENTS = repositoryRoot().resolve("ssm-documents");

  /** Values an attacker (or a typo) might send; none may pass any parameter's allowedPattern. */
  static final List<String> HOSTILE = List.of(
      "x; rm -rf /", "$(id)", "`id`", "a'b", "a\"b", "a\\b", "line\nbreak", "${HOME}", "a|b", "a&b",
      "a>b", "*", "", "x".repeat(9000));

  static Stream<SsmDocument> documents() throws IOException {
    try (Stream<Path> files = Files.list(DOCUMENTS)) {
      List<Path> yaml = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
      assertFalse(yaml.isEmpty(), "no documents in " + DOCUMENTS);
      return yaml.stream().map(SsmDocument::load);
    }
  }

  @ParameterizedTest
  @MethodSource("documents")
  void everyParameterIsGuardedAndReadFromTheEnvironment(SsmDocument document) {
    assertTrue(document.name().startsWith("pgpilot-"), document.name());
    for (SsmDocument.Parameter p : document.parameters().values()) {
      assertNotNull(p.allowedPattern(), document.name() + "." + p.name() + " has no allowedPattern");
      assertTrue(p.envVar(), document.name() + "." + p.name() + " is not interpolationType ENV_VAR");
      assertFalse(p.name().toLowerCase().matches(".*(password|passwd|token).*"),
          document.name() + "." + p.name() + " looks like a secret; read secrets by name on the host");
      // Documents that only run another document pass their parameters on; its scripts read them.
      if (document.content().contains("aws:runShellScript")) {
        String fallback = "if [ -z \"${SSM_" + p.name() + "+x}\" ]; then export SSM_" + p.name()
            + "=\"{{ " + p.name() + " }}\"; fi";
        assertTrue(document.content().contains(fallback), document.name() + " lacks the older-agent fallback for "
            + p.name());
      }
    }
  }

  @ParameterizedTest
  @MethodSource("documents")
  void hostileValuesAreRefusedBeforeAnythingRuns(SsmDocument document) {
    for (String parameter : document.parameters().keySet()) {
      for (String value : HOSTILE) {
        if (value.isEmpty() && "".equals(document.parameters().get(parameter).defaultValue())) {
          continue;  // empty by design, e.g. no synchronous standbys
        }
        Map<String, String> given = new HashMap<>(validValues(document));
        given.put(parameter, value);
        assertThrows(SsmDocument.InvalidParameters.class, () -> document.resolve(given),
            document.name() + "." + parameter + " accepted " + value.substring(0, Math.min(20, value.length())));
      }
    }
  }

  @ParameterizedTest
  @MethodSource("documents")
  void unknownParametersAreRefused(SsmDocument document) {
    Map<String, String> given = new HashMap<>(validValues(document));
    given.put("notAParameter", "x");
    assertThrows(SsmDocument.InvalidParameters.class, () -> document.resolve(given));
  }

  @ParameterizedTest
  @MethodSource("documents")
  void everyScriptIsShellcheckClean(SsmDocument document) throws Exception {
    Map<String, String> values = document.resolve(validValues(document));
    for (SsmDocument.Step step : document.render(values)) {
      if (step.script() == null) {
        continue;
      }
      Path script = Files.createTempFile("pgpilot-" + step.name(), ".sh");
      try {
        Files.writeString(script, step.script());
        Process shellcheck = new ProcessBuilder("shellcheck", "-s", "bash", script.toString())
            .redirectErrorStream(true).start();
        String out = new String(shellcheck.getInputStream().readAllBytes());
        assertTrue(shellcheck.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, shellcheck.exitValue(), document.name() + "/" + step.name() + ":\n" + out);
      } finally {
        Files.delete(script);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("documents")
  void scriptsStopAtTheFirstError(SsmDocument document) {
    for (SsmDocument.Step step : document.render(document.resolve(validValues(document)))) {
      if (step.script() != null) {
        assertTrue(step.script().startsWith("#!/bin/bash\nset -euo pipefail\n"), document.name() + "/" + step.name());
      }
    }
  }

  /** A value for each required parameter that its pattern accepts. */
  static Map<String, String> validValues(SsmDocument document) {
    Map<String, String> values = new HashMap<>();
    for (SsmDocument.Parameter p : document.parameters().values()) {
      if (p.defaultValue() == null) {
        values.put(p.name(), SAMPLES.getOrDefault(p.name(), "pg1"));
      }
    }
    return values;
  }

  private static final Map<String, String> SAMPLES = Map.of(
      "entries", "10.0.0.1 pg1 pg-primary,10.0.0.2 pg2",
      "backends", "pg1:5432:0:ALLOW_TO_FAILOVER,pg2:5432:1:ALLOW_TO_FAILOVER",
      "replicationCidr", "10.0.0.0/16",
      "upstreamHost", "pg1",
      "applicationName", "pg2",
      "role", "standby");

  static Path repositoryRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("ssm-documents"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("no ssm-documents/ above " + Path.of("").toAbsolutePath());
    }
    return dir;
  }
}

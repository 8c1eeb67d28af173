package io.pgpilot.failover;

import io.pgpilot.lab.Lab;
import io.pgpilot.lab.ssm.DocumentDeployer;
import io.pgpilot.lab.ssm.Emulator;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** What the deployed automation has, for the lab: its SSM documents and its functions' environment. */
final class LabAutomation {

  private LabAutomation() {
  }

  /** The documents as CDK deploys them; a recreated lab has a fresh emulator. */
  static void deployDocuments() {
    try (Emulator deployTo = new Emulator(URI.create(System.getenv("AWS_ENDPOINT_URL")))) {
      DocumentDeployer.deploy(deployTo.ssm(System.getenv().getOrDefault("AWS_REGION", "us-east-1")),
          Path.of("..", "..", "ssm-documents"));
    }
  }

  /** What a deployed function's environment holds, for this lab (./pgpilot lab env). */
  static Map<String, String> environment(Lab lab) {
    Map<String, String> env = new HashMap<>();
    lab.must("env").lines().map(l -> l.split("=", 2)).forEach(kv -> env.put(kv[0], kv[1]));
    env.put("PGPILOT_PROBE_INTERVAL_MS", "200");
    return env;
  }
}

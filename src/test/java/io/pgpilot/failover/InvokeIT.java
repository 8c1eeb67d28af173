package io.pgpilot.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.lab.Lab;
import io.pgpilot.lab.LabExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** `./pgpilot invoke` runs a handler against the lab as the Lambda runtime would, and says how it went. */
@ExtendWith(LabExtension.class)
class InvokeIT {

  private static final Path ROOT = Path.of("..", "..").toAbsolutePath().normalize();

  record Run(int exit, String stdout, String stderr) {}

  @Test
  void aRunningEventRepublishesTheHostsMap(Lab lab) throws Exception {
    String pgpool = lab.status().pgpool().name();
    String instance = lab.status().nodes().get(0).instanceId();
    Path event = Files.createTempFile("pgpilot-running", ".json");
    Files.writeString(event, Files.readString(ROOT.resolve("functions/src/test/resources/events/ec2-instance-state-change-running.json"))
        .replace("i-0000000000000001f", instance));
    try {
      Run run = invoke("instance-state", "--event", event.toString());
      assertEquals(0, run.exit(), run.stderr());
      assertTrue(run.stdout().contains("\"action\" : \"PUBLISHED\""), run.stdout());
      assertTrue(Files.readString(Path.of("/etc/netns", pgpool, "hosts")).contains("\tpg1 pg-primary\n"));
    } finally {
      Files.delete(event);
    }
  }

  @Test
  void aMalformedEventIsIgnoredWithItsReason() throws Exception {
    Path event = Files.createTempFile("pgpilot-malformed", ".json");
    Files.writeString(event, "{\"source\":\"aws.ec2\",\"detail-type\":\"EC2 Instance State-change Notification\",\"detail\":{}}");
    try {
      Run run = invoke("instance-state", "--event", event.toString());
      assertEquals(0, run.exit(), run.stderr());
      assertTrue(run.stdout().contains("\"action\" : \"IGNORED\""), run.stdout());
    } finally {
      Files.delete(event);
    }
  }

  @Test
  void anUnknownFunctionIsRefused() throws Exception {
    Run run = invoke("no-such-function", "--event", "/dev/null");
    assertEquals(2, run.exit());
    assertTrue(run.stderr().contains("functions: alarm backup instance-state monitor pgpool-sensor switchover"), run.stderr());
  }

  private static Run invoke(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(ROOT.resolve("pgpilot").toString(), "invoke"));
    command.addAll(List.of(args));
    Path out = Files.createTempFile("pgpilot-invoke", ".out");
    Path err = Files.createTempFile("pgpilot-invoke", ".err");
    try {
      Process p = new ProcessBuilder(command).directory(ROOT.toFile())
          .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      assertTrue(p.waitFor(5, TimeUnit.MINUTES), "invoke finished");
      return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.delete(out);
      Files.delete(err);
    }
  }
}

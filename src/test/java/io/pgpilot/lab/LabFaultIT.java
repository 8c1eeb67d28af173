package io.pgpilot.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.retry.RetryPolicy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;

/** The lab's fault injection does what it says, and only to the host it names. */
@ExtendWith(LabExtension.class)
class LabFaultIT {

  private static final Path BOOT_GATE =
      Path.of("..", "..", "cdk", "src", "main", "resources", "io", "pgpilot", "cdk", "pgpilot-boot.sh");

  @AfterAll
  static void wholeAgain(Lab lab) {
    lab.recreate();
  }

  @Test
  void crashKillsOnlyTheNamedHostsPostmaster(Lab lab) {
    String out = lab.must("fault", "crash", "pg3");
    assertTrue(out.contains("SIGKILL"), out);

    Lab.Status status = lab.status();
    assertEquals("down", status.node("pg3").state());
    assertThrows(SQLException.class, () -> lab.connectNode("pg3").close());
    assertEquals("running", status.node("pg1").state());
    assertEquals("streaming", status.node("pg2").state());
    assertEquals("running", ec2State(status.node("pg3").instanceId()),
        "a crash is not an instance stop");
  }

  @Test
  void stopIsStoppingWithTheHostStillServingThenStopsItAndStartBootsItAgain(Lab lab) throws Exception {
    String pgpoolInstance = instanceOf(lab, "pgpool1");
    lab.must("fault", "stop", "pgpool1", "--no-wait");

    assertEquals("stopping", ec2State(pgpoolInstance));
    lab.connectPgpool().close();  // an EC2 instance keeps running for tens of seconds while it stops

    Lab.await(Duration.ofSeconds(90), "pgpool1's instance to stop", () -> "stopped".equals(ec2State(pgpoolInstance)));
    assertThrows(SQLException.class, () -> lab.connectPgpool().close());
    assertEquals("running", lab.status().node("pg1").state(), "the database hosts are untouched");

    lab.must("fault", "start", "pgpool1");

    assertEquals("running", ec2State(pgpoolInstance));
    Lab.await(Duration.ofSeconds(30), "pgpool1 to serve again", () -> {
      lab.connectPgpool().close();
      return true;
    });
  }

  @Test
  void theBootGateKeepsPostgresStoppedWhenItCannotTellWhatTheNodeIs(@TempDir Path dir) throws Exception {
    // The root namespace's address on the lab bridge is no instance's: the metadata has no tags for it.
    Path conf = dir.resolve("boot.env");
    Files.writeString(conf, "PGPILOT_PG_VERSION=15\nPGPILOT_PG_CLUSTER=pgpilot-no-such-cluster\n"
        + "PGPILOT_METADATA_URL=http://10.87.0.1:45659\n");
    Process withConf = new ProcessBuilder("env", "PGPILOT_BOOT_CONF=" + conf, "bash", BOOT_GATE.toString())
        .redirectErrorStream(true).start();
    String output = new String(withConf.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertTrue(withConf.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, withConf.exitValue(), output);
    assertTrue(output.contains("PostgreSQL 15/pgpilot-no-such-cluster stays stopped: this instance's pgpilot:role"
        + " tag cannot be read from http://10.87.0.1:45659"), output);
  }

  @Test
  void partitionCutsOnlyTheNamedPathAndHealRestoresIt(Lab lab) throws Exception {
    try {
      lab.must("fault", "partition", "pg2", "automation");

      // The automation's side (this namespace) cannot reach pg2, yet pg2 still streams from pg1.
      assertThrows(SQLException.class, () -> lab.connectNode("pg2").close());
      try (var c = lab.connectNode("pg1"); var rs = c.createStatement().executeQuery(
          "SELECT state FROM pg_stat_replication WHERE application_name = 'pg2'")) {
        assertTrue(rs.next(), "pg2 is still connected to pg1");
        assertEquals("streaming", rs.getString(1));
      }
      assertTrue(lab.run("fault", "partition", "pg2", "nowhere").stderr().contains("unknown peer 'nowhere'"));
    } finally {
      lab.must("fault", "heal", "pg2");
    }
    lab.connectNode("pg2").close();
  }

  private static String instanceOf(Lab lab, String host) {
    try (Ec2Client ec2 = ec2()) {
      return ec2.describeInstances(r -> r.filters(f -> f.name("tag:pgpilot:name").values(host)))
          .reservations().get(0).instances().get(0).instanceId();
    }
  }

  private static String ec2State(String instanceId) {
    try (Ec2Client ec2 = ec2()) {
      InstanceStateName state = ec2.describeInstances(r -> r.instanceIds(instanceId))
          .reservations().get(0).instances().get(0).state().name();
      return state.toString();
    }
  }

  private static Ec2Client ec2() {
    return Ec2Client.builder()
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        .overrideConfiguration(o -> o.retryPolicy(RetryPolicy.none()))
        .build();
  }
}

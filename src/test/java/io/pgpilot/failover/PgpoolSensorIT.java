package io.pgpilot.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.config.ClusterConfig;
import io.pgpilot.handlers.EventRouter;
import io.pgpilot.lab.Lab;
import io.pgpilot.lab.LabExtension;
import io.pgpilot.lab.sensor.PgpoolReports;
import io.pgpilot.runner.Outcome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * pgpool-II as pgpilot's sensor, end to end on the lab: pgpool detaches a backend, its
 * failover_command (the very script the CDK installs) puts a report on the emulator's EventBridge
 * from inside pgpool1's namespace, the lab's rule (the deployed rule's pattern) delivers it, and
 * the PgpoolSensor handler confirms before anything is done: a blip between pgpool and the primary
 * re-attaches the primary, a crash fails over.
 */
@ExtendWith(LabExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PgpoolSensorIT {

  private static final String TABLE = "sensor_probe";
  private static final Duration REPORT_LIMIT = Duration.ofSeconds(20);
  private static final int ROWS = 100;

  private static Lab lab;
  private static LabAutomation.ServedSsm ssm;
  private static PgpoolReports reports;

  @BeforeAll
  static void serve(Lab theLab) throws Exception {
    lab = theLab;
    if (!lab.inFirstShape()) {
      lab.recreate();
    }
    LabAutomation.deployDocuments();
    ssm = LabAutomation.serveSsm();
    reports = new PgpoolReports(LabAutomation.environment(lab),
        EventRouter.from(ClusterConfig.from(LabAutomation.environment(lab))));
  }

  @AfterAll
  static void wholeAgain() {
    reports.close();
    ssm.close();
    lab.recreate();
  }

  @BeforeEach
  void noReportOfBefore() {
    reports.discard();
  }

  @Test
  @Order(1)
  void aBlipBetweenPgpoolAndThePrimaryReattachesThePrimaryAndFailsNothingOver() throws Exception {
    LabAutomation.writeRows(lab, TABLE, 1, ROWS);
    lab.must("fault", "partition", "pgpool1", "pg1");
    boolean reported;
    try {
      reported = reports.awaitReport(REPORT_LIMIT);
    } finally {
      lab.must("fault", "heal", "pgpool1");
    }
    assertTrue(reported, "pgpool reported pg1 down within " + REPORT_LIMIT);

    List<PgpoolReports.Delivered> delivered = reports.deliver(REPORT_LIMIT);

    assertFalse(delivered.isEmpty());
    Outcome first = delivered.get(0).outcome();
    assertEquals(Outcome.Action.REATTACHED, first.action(), first.reason());
    assertEquals("pg1", delivered.get(0).detail().get("node"));
    assertEquals("pgpool1", delivered.get(0).detail().get("pgpool"));
    assertTrue(first.reason().contains("no failover"), first.reason());
    Lab.Status status = lab.status();
    assertEquals("primary", status.node("pg1").role());
    assertEquals(Integer.valueOf(1), status.node("pg1").timeline(), "nothing was promoted");
    Lab.await(Duration.ofSeconds(10), "a write through pgpool commits", () -> {
      LabAutomation.writeRows(lab, TABLE, ROWS + 1, ROWS + 1);
      return true;
    });
  }

  @Test
  @Order(2)
  void reportsThatAreNotPgpoolsOwnOrNotThisClustersChangeNothing() throws Exception {
    PutEvents forged = putEvents("[{\"Source\":\"pgpilot.pgpool.evil\",\"DetailType\":\"pgpool backend down\","
        + "\"Detail\":\"{\\\"cluster\\\":\\\"lab\\\",\\\"node\\\":\\\"pg1\\\"}\"}]");
    assertNotEquals(0, forged.exitCode(), "the lab host may put only pgpool's reports: " + forged.output());
    assertTrue(forged.output().contains("AccessDenied"), forged.output());

    PutEvents elsewhere = putEvents(report("another-cluster", "pg1"));
    assertEquals(0, elsewhere.exitCode(), elsewhere.output());
    assertFalse(reports.awaitReport(Duration.ofSeconds(3)), "another cluster's report matches no rule of this one");

    PutEvents unknown = putEvents(report("lab", "pg9"));
    assertEquals(0, unknown.exitCode(), unknown.output());
    List<PgpoolReports.Delivered> delivered = reports.deliver(REPORT_LIMIT);
    assertEquals(1, delivered.size());
    Outcome outcome = delivered.get(0).outcome();
    assertEquals(Outcome.Action.IGNORED, outcome.action(), outcome.reason());
    assertTrue(outcome.reason().contains("pg9"), outcome.reason());
    assertEquals(Integer.valueOf(1), lab.status().node("pg1").timeline(), "nothing was promoted");
  }

  @Test
  @Order(3)
  void aCrashedPrimaryReportedByPgpoolFailsOverWithNoAcknowledgedCommitLost() throws Exception {
    int acknowledged = LabAutomation.countRows(lab, "pg1", TABLE);
    lab.must("fault", "crash", "pg1");
    assertTrue(reports.awaitReport(REPORT_LIMIT), "pgpool reported pg1 down within " + REPORT_LIMIT);

    List<PgpoolReports.Delivered> delivered = reports.deliver(REPORT_LIMIT);

    Outcome first = delivered.get(0).outcome();
    assertEquals(Outcome.Action.COMPLETED, first.action(), first.reason());
    assertEquals("pg2", first.primary());
    Lab.await(Duration.ofSeconds(20), "pg2 primary on timeline 2", () -> {
      Lab.Status status = lab.status();
      return "primary".equals(status.node("pg2").role()) && Integer.valueOf(2).equals(status.node("pg2").timeline());
    });
    Lab.await(Duration.ofSeconds(20), "a write through pgpool commits", () -> {
      LabAutomation.writeRows(lab, TABLE, ROWS + 2, ROWS + 2);
      return true;
    });
    assertEquals(acknowledged + 1, LabAutomation.countRows(lab, "pg2", TABLE),
        "every acknowledged commit is on the new primary");
  }

  private record PutEvents(int exitCode, String output) {}

  /** A report as pgpool's failover_command builds it, for CLUSTER's NODE. */
  private static String report(String cluster, String node) {
    return "[{\"Source\":\"pgpilot.pgpool\",\"DetailType\":\"pgpool backend down\",\"Detail\":\"{\\\"cluster\\\":\\\""
        + cluster + "\\\",\\\"node\\\":\\\"" + node + "\\\",\\\"address\\\":\\\"\\\",\\\"pgpool\\\":\\\"pgpool1\\\","
        + "\\\"reason\\\":\\\"detached\\\"}\"}]";
  }

  /** aws events put-events from inside pgpool1, with what its failover_command has. */
  private static PutEvents putEvents(String entries) throws IOException, InterruptedException {
    Process process = new ProcessBuilder("ip", "netns", "exec", "pgpool1", "env", "-i", "PATH=/usr/bin:/bin", "bash",
        "-c", "set -a; . /etc/pgpool2/pgpool-report.env; set +a;"
        + " exec aws --endpoint-url \"$PGPILOT_EVENTS_ENDPOINT\" --cli-connect-timeout 2 --cli-read-timeout 5"
        + " events put-events --entries \"$1\"", "put-events", entries)
        .redirectErrorStream(true).start();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("aws events put-events did not end within 30 s");
    }
    return new PutEvents(process.exitValue(), new String(process.getInputStream().readAllBytes(),
        StandardCharsets.UTF_8));
  }

}

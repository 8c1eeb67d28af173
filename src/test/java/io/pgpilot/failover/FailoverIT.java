package io.pgpilot.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import io.pgpilot.adapters.Ec2Instances;
import io.pgpilot.adapters.JdbcProbe;
import io.pgpilot.config.ClusterConfig;
import io.pgpilot.core.NodeObservation;
import io.pgpilot.core.WalReceiverStatus;
import io.pgpilot.ec2.Inventory;
import io.pgpilot.handlers.EventRouter;
import io.pgpilot.handlers.InstanceStateHandler;
import io.pgpilot.handlers.MonitorHandler;
import io.pgpilot.handlers.SwitchoverHandler;
import io.pgpilot.lab.Lab;
import io.pgpilot.lab.LabExtension;
import io.pgpilot.lab.invoke.LocalContext;
import io.pgpilot.runner.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * The seed's "master fails" case, end to end: the primary's instance stops, its EC2 state-change
 * event reaches the instance-state handler, and the real workflow acts on the real lab through
 * the real SSM documents (served by the lab SSM service) and the emulator.
 */
@ExtendWith(LabExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FailoverIT {

  private static final String TABLE = "failover_probe";
  private static final Path EVENTS = Path.of("..", "..", "functions", "src", "test", "resources", "events");
  private static final int ROWS = 200;

  private static Lab lab;
  private static LabAutomation.ServedSsm ssm;
  private static String stoppedEvent;

  @BeforeAll
  static void serveSsm(Lab theLab) throws Exception {
    lab = theLab;
    LabAutomation.deployDocuments();
    ssm = LabAutomation.serveSsm();
    stoppedEvent = Files.readString(EVENTS.resolve("ec2-instance-state-change-stopped.json"));
  }

  @AfterAll
  static void wholeAgain() {
    ssm.close();
    lab.recreate();
  }

  @Test
  @Order(1)
  void stoppedPrimaryFailsOverToTheSynchronousStandbyAndNoAcknowledgedCommitIsLost() throws Exception {
    LabAutomation.writeRows(lab, TABLE, 1, ROWS);
    String pg1 = lab.status().node("pg1").instanceId();
    lab.must("fault", "stop", "pg1");

    Outcome outcome = handle(event("first-delivery", pg1));

    assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome.reason());
    assertEquals("pg2", outcome.primary());
    Lab.await(Duration.ofSeconds(20), "pg2 primary on timeline 2 and pg3 streaming from it", () -> {
      Lab.Status status = lab.status();
      return "primary".equals(status.node("pg2").role()) && Integer.valueOf(2).equals(status.node("pg2").timeline())
          && "pg2".equals(status.node("pg3").upstream()) && "streaming".equals(status.node("pg3").state())
          && Integer.valueOf(2).equals(status.node("pg3").timeline());
    });
    for (String host : List.of("pg2", "pg3", "pgpool1", "app1")) {
      String hosts = Files.readString(Path.of("/etc/netns", host, "hosts"));
      assertTrue(hosts.contains("10.87.0.12\tpg2 pg-primary\n"), host + ":\n" + hosts);
    }
    Lab.await(Duration.ofSeconds(20), "a write through pgpool succeeds", () -> {
      LabAutomation.writeRows(lab, TABLE, ROWS + 1, ROWS + 1);
      return true;
    });
    assertEquals(ROWS + 1, LabAutomation.countRows(lab, "pg2", TABLE),
        "every acknowledged commit is on the new primary");
  }

  @Test
  @Order(2)
  void theSameEventAgainChangesNothing() throws Exception {
    String pg1 = lab.status().node("pg1").instanceId();
    assertEquals(Outcome.Action.DUPLICATE, handle(event("first-delivery", pg1)).action());
    Outcome again = handle(event("another-delivery", pg1));
    assertEquals(Outcome.Action.NO_OP, again.action(), again.reason());
    assertEquals("pg2", again.primary());
    assertEquals(Integer.valueOf(2), lab.status().node("pg2").timeline(), "nothing was promoted again");
  }

  @Test
  @Order(3)
  void aStandbyWhoseWalReceiverStoppedAfterTheFailoverIsProbedOnItsTrueTimeline() throws Exception {
    // pg3 follows pg2 on timeline 2; its last restartpoint is still of timeline 1.
    try (Connection c = lab.connectNode("pg3"); Statement s = c.createStatement()) {
      s.execute("ALTER SYSTEM SET primary_conninfo = ''");
      s.execute("SELECT pg_reload_conf()");
    }
    Lab.await(Duration.ofSeconds(10), "pg3's WAL receiver to stop", () -> lab.status().node("pg3").state() != null
        && !"streaming".equals(lab.status().node("pg3").state()));
    Lab.Dsn dsn = Lab.Dsn.parse(lab.status().node("pg3").dsn());
    JdbcProbe probe = new JdbcProbe(new JdbcProbe.Settings(dsn.port(), dsn.database(), dsn.user(), dsn::password,
        dsn.sslmode(), dsn.sslrootcert(), Duration.ofSeconds(2)));
    Inventory inventory = Inventory.of("lab", new Ec2Instances().describe("lab"));

    NodeObservation pg3 = probe.probe(inventory.topology(), "pg3");

    assertEquals(WalReceiverStatus.NONE, pg3.walReceiver(), pg3::toString);
    assertEquals(2, pg3.timeline(), "the timeline of the WAL pg3 follows, not of its last restartpoint: " + pg3);
  }

  @Test
  @Order(4)
  void twoConcurrentEventsPromoteOnce() throws Exception {
    lab.recreate();
    LabAutomation.deployDocuments();
    LabAutomation.writeRows(lab, TABLE, 1, ROWS);
    String pg1 = lab.status().node("pg1").instanceId();
    lab.must("fault", "stop", "pg1");

    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Callable<Outcome>> deliveries = List.of(
          () -> handle(event("concurrent-a", pg1)), () -> handle(event("concurrent-b", pg1)));
      Map<Outcome.Action, Integer> actions = new HashMap<>();
      for (Future<Outcome> f : pool.invokeAll(deliveries)) {
        actions.merge(f.get().action(), 1, Integer::sum);
      }
      assertEquals(1, actions.getOrDefault(Outcome.Action.COMPLETED, 0), "one failover: " + actions);
      Outcome redelivered = handle(event("concurrent-b-again", pg1));
      assertTrue(List.of(Outcome.Action.NO_OP, Outcome.Action.COMPLETED).contains(redelivered.action()),
          "delivered again, it finds the failover done (or finishes what is left): " + redelivered);
    } finally {
      pool.shutdownNow();
    }
    Lab.await(Duration.ofSeconds(20), "pg3 follows pg2 on timeline 2", () ->
        Integer.valueOf(2).equals(lab.status().node("pg3").timeline()));
    assertEquals(Integer.valueOf(2), lab.status().node("pg2").timeline(), "promoted once, not twice");
    assertEquals(ROWS, LabAutomation.countRows(lab, "pg2", TABLE));
  }

  @Test
  @Order(5)
  void theMonitorConfirmsACrashedPrimaryFencesItAndFailsOver() throws Exception {
    lab.recreate();
    LabAutomation.deployDocuments();
    LabAutomation.writeRows(lab, TABLE, 1, ROWS);
    String pg1 = lab.status().node("pg1").instanceId();
    lab.must("fault", "crash", "pg1");  // the instance keeps running: only probes can tell

    ScheduledEvent tick = LambdaEventSerializers.serializerFor(ScheduledEvent.class, FailoverIT.class.getClassLoader())
        .fromJson(Files.readString(EVENTS.resolve("scheduled-event.json")));
    Outcome outcome = new MonitorHandler(EventRouter.from(ClusterConfig.from(LabAutomation.environment(lab))))
        .handleRequest(tick, new LocalContext(MonitorHandler.class.getName()));

    assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome.reason());
    assertEquals("pg2", outcome.primary());
    assertTrue(outcome.steps().get(0).startsWith("Fence[node=pg1"), "fenced before promoting: " + outcome.steps());
    String state = ec2State(pg1);
    assertTrue(List.of("stopping", "stopped").contains(state), "pg1's instance is fenced: " + state);
    assertEquals(ROWS, LabAutomation.countRows(lab, "pg2", TABLE),
        "every acknowledged commit is on the new primary");
  }

  @Test
  @Order(6)
  void theFencedOldPrimaryStartedAgainBootsStoppedAndOnlyPgpilotRejoinsItAsAStandby() throws Exception {
    // After order 5: pg1 crashed, was fenced (its instance force-stopped) and is tagged rebuild.
    String pg1 = lab.status().node("pg1").instanceId();
    Lab.await(Duration.ofSeconds(60), "pg1's instance to be stopped", () -> "stopped".equals(ec2State(pg1)));
    LabAutomation.writeRows(lab, TABLE, ROWS + 1, 2 * ROWS);
    Path bootLog = Path.of(System.getenv().getOrDefault("PGPILOT_LAB_DIR", "/var/lib/pgpilot-lab"), "pg1",
        "boot.log");
    long before = Files.exists(bootLog) ? Files.readAllLines(bootLog).size() : 0;

    // Started again as a person, AWS maintenance or auto-recovery would: it boots as EC2 boots it.
    lab.must("fault", "start", "pg1");

    Lab.await(Duration.ofSeconds(30), "pg1's boot gate to decide", () -> Files.exists(bootLog)
        && Files.readAllLines(bootLog).size() > before);
    String decision = Files.readAllLines(bootLog).get((int) before);
    assertTrue(decision.contains("stays stopped: tagged rebuild"), decision);
    assertEquals("down", lab.status().node("pg1").state(), "not a second primary, not anything");

    Outcome rejoin = handle(event("pg1-running", pg1, "running"));

    assertEquals(Outcome.Action.COMPLETED, rejoin.action(), rejoin.reason());
    Lab.await(Duration.ofSeconds(60), "pg1 streams from pg2 on timeline 2", () -> {
      Lab.Node node = lab.status().node("pg1");
      return "standby".equals(node.role()) && "pg2".equals(node.upstream()) && "streaming".equals(node.state())
          && Integer.valueOf(2).equals(node.timeline());
    });
    Lab.await(Duration.ofSeconds(20), "pg1 to replay every commit",
        () -> LabAutomation.countRows(lab, "pg1", TABLE) == 2 * ROWS);
  }

  @Test
  @Order(7)
  void aSwitchoverMovesThePrimaryWithNoDataLossAndTheOldPrimaryRejoins() throws Exception {
    lab.recreate();
    LabAutomation.deployDocuments();
    LabAutomation.writeRows(lab, TABLE, 1, ROWS);

    Outcome outcome = new SwitchoverHandler(EventRouter.from(ClusterConfig.from(LabAutomation.environment(lab))))
        .handleRequest(Map.of("target", "pg2"), new LocalContext(SwitchoverHandler.class.getName()));

    assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome.reason());
    assertEquals("pg2", outcome.primary());
    Lab.await(Duration.ofSeconds(30), "pg1 streams from pg2 and pg3 follows, on timeline 2", () -> {
      Lab.Status status = lab.status();
      return "primary".equals(status.node("pg2").role())
          && "pg2".equals(status.node("pg1").upstream()) && "streaming".equals(status.node("pg1").state())
          && "streaming".equals(status.node("pg3").state()) && Integer.valueOf(2).equals(status.node("pg3").timeline());
    });
    LabAutomation.writeRows(lab, TABLE, ROWS + 1, ROWS + 1);
    assertEquals(ROWS + 1, LabAutomation.countRows(lab, "pg2", TABLE));
  }

  private static Outcome handle(String eventJson) {
    ScheduledEvent event = LambdaEventSerializers.serializerFor(ScheduledEvent.class, FailoverIT.class.getClassLoader())
        .fromJson(eventJson);
    return new InstanceStateHandler(EventRouter.from(ClusterConfig.from(LabAutomation.environment(lab))))
        .handleRequest(event, new LocalContext(InstanceStateHandler.class.getName()));
  }

  /** The AWS documented event for INSTANCE stopped, with a delivery id of our own. */
  private static String event(String delivery, String instance) {
    return event(delivery, instance, "stopped");
  }

  /** The AWS documented event for INSTANCE entering STATE, with a delivery id of our own. */
  private static String event(String delivery, String instance, String state) {
    return stoppedEvent.replace("7bf73129-1428-4cd3-a780-95db273d1602", UUID.nameUUIDFromBytes(
            (delivery + instance).getBytes()).toString())
        .replace("i-0000000000000000b", instance).replace("\"state\": \"stopped\"", "\"state\": \"" + state + "\"");
  }

  private static String ec2State(String instance) {
    try (Ec2Client ec2 = Ec2Client.create()) {
      return ec2.describeInstances(r -> r.instanceIds(instance)).reservations().get(0).instances().get(0)
          .state().nameAsString();
    }
  }
}

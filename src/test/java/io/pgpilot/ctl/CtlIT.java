package io.pgpilot.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpilot.adapters.SsmCommands;
import io.pgpilot.config.ClusterConfig;
import io.pgpilot.core.ports.CommandResult;
import io.pgpilot.failover.LabAutomation;
import io.pgpilot.handlers.EventRouter;
import io.pgpilot.lab.Lab;
import io.pgpilot.lab.LabExtension;
import io.pgpilot.runner.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code pgpilot ctl} against the lab as a deployed cluster: what it lists is what the lab shows,
 * bad input changes nothing, and a paused cluster is not failed over until it is resumed.
 */
@ExtendWith(LabExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CtlIT {

  private static Lab lab;
  private static LabAutomation.ServedSsm ssm;
  private static Map<String, String> env;


  @BeforeAll
  static void serveSsm(Lab theLab) throws Exception {
    lab = theLab;
    LabAutomation.deployDocuments();
    ssm = LabAutomation.serveSsm();
    env = LabAutomation.environment(lab);
  }

  @AfterAll
  static void wholeAgain() {
    ssm.close();
    lab.recreate();
  }

  private static LabCtl.Run ctl(String... args) {
    return LabCtl.run(env, args);
  }

  @Test
  @Order(1)
  void listShowsTheRolesTheLabShowsAndWhatPgpilotKnows() throws Exception {
    LabCtl.Run run = ctl("--cluster", "lab", "list", "--json");

    assertEquals(0, run.status(), run.err());
    Map<String, String> listed = new TreeMap<>();
    run.json().path("nodes").forEach(n -> listed.put(n.path("name").asText(), n.path("role").asText()));
    Map<String, String> shown = new TreeMap<>();
    lab.status().nodes().forEach(n -> shown.put(n.name(), n.role()));
    assertEquals(shown, listed);
    JsonNode pg3 = run.json().path("nodes").get(2);
    assertEquals("pg2", pg3.path("upstream").asText(), pg3.toString());
    assertEquals("streaming", pg3.path("state").asText(), pg3.toString());
    assertTrue(run.json().path("maintenance").isNull(), run.out());

    LabCtl.Run table = ctl("--cluster", "lab", "list");
    assertTrue(table.out().startsWith("NODE ") && table.out().contains("maintenance:   off"), table.out());
  }

  @Test
  @Order(2)
  void badRequestsAreRefusedWithStatus2AndChangeNothing() {
    for (List<String> bad : List.of(
        List.of("switchover", "pg1", "pg1 is not a healthy standby"),
        List.of("switchover", "pg9", "pg9 is not a database node of cluster lab"),
        List.of("resume", "cluster lab is not paused; nothing changed"))) {
      LabCtl.Run run = ctl("--cluster", "lab", bad.get(0), bad.size() == 3 ? bad.get(1) : "--json");
      assertEquals(2, run.status(), bad + ": " + run.out());
      assertTrue(run.err().contains(bad.get(bad.size() - 1)), bad + ": " + run.err());
    }
    LabCtl.Run other = ctl("--cluster", "other", "list");
    assertEquals(2, other.status());
    assertTrue(other.err().contains("no pgpilot cluster other in the lab"), other.err());
    assertEquals("primary", lab.status().node("pg1").role());
  }

  @Test
  @Order(3)
  void aBackupBeforeARiskyChangeIsTakenFromAStandby() throws Exception {
    int before = lab.must("backups").strip().split("\n").length;

    LabCtl.Run run = ctl("--cluster", "lab", "backup", "incr", "--json");

    assertEquals(0, run.status(), run.err() + run.out());
    assertTrue(run.json().path("reason").asText().contains("from pg3"), run.out());
    Matcher sent = Pattern.compile("as SSM command (\\S+),").matcher(run.json().path("steps").toString());
    assertTrue(sent.find(), run.out());
    CommandResult result = new SsmCommands(LabAutomation.NAMES).await(sent.group(1), List.of(lab.status().node("pg3").instanceId()),
        Duration.ofMinutes(3)).get(0);
    assertEquals("Success", result.status(), result.stderr());
    assertEquals(before + 1, lab.must("backups").strip().split("\n").length, "one more backup in the repository");
  }

  @Test
  @Order(4)
  void aPausedClusterIsNotFailedOverUntilItIsResumed() throws Exception {
    LabCtl.Run paused = ctl("--cluster", "lab", "pause", "--for", "1h", "--json");
    assertEquals(0, paused.status(), paused.err());
    JsonNode maintenance = paused.json().path("maintenance");
    assertFalse(maintenance.path("by").asText().isBlank(), paused.out());
    assertTrue(Instant.parse(maintenance.path("until").asText()).isAfter(Instant.now().plus(Duration.ofMinutes(59))));
    EventRouter router = EventRouter.from(ClusterConfig.from(env), System.out);

    lab.must("fault", "crash", "pg1");
    Outcome held = LabAutomation.monitorUntilItDecides(router, "ctl-it");

    assertEquals(Outcome.Action.PAUSED, held.action(), held.reason());
    assertTrue(held.reason().contains("Promote[node=pg2]"), held.reason());
    assertEquals("standby", lab.status().node("pg2").role(), "nothing promoted while paused");
    assertEquals("paused", ctl("--cluster", "lab", "history", "-n", "1", "--json").json().get(0).path("outcome")
        .asText());
    assertTrue(ctl("--cluster", "lab", "list").out().contains("maintenance:   PAUSED since "));

    assertEquals(0, ctl("--cluster", "lab", "resume").status());
    Outcome resumed = LabAutomation.monitorUntilItDecides(router, "ctl-it");

    assertEquals(Outcome.Action.COMPLETED, resumed.action(), resumed.reason());
    assertEquals("pg2", resumed.primary());
    Lab.await(Duration.ofSeconds(20), "pg2 answers as primary", () -> "primary".equals(lab.status().node("pg2").role()));
  }
}

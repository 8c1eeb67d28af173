package io.pgpilot.drill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpilot.lab.Lab;
import io.pgpilot.lab.LabExtension;
import io.pgpilot.lab.drill.Drill;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Short drills, as CI runs them: correctness only (the figures are the drill's output, not
 * assertions). A primary crash: no acknowledged commit lost, the new primary writable, every
 * standby following it, the cluster whole afterwards. The synchronous standby unreachable: a
 * refusal, then the failover to it once it answers, nothing lost. A subset of the fault matrix:
 * a partitioned primary, an old primary's instance started again, a cut probe path, five events
 * at once and a false alarm from pgpool (its path to the primary cut for 2 s), each holding every
 * invariant (never two hosts able to acknowledge a commit, no direct commit lost after the
 * promotion) and its scenario's expectations.
 */
@ExtendWith(LabExtension.class)
class DrillIT {

  private static Lab lab;

  @AfterAll
  static void canonicalLabAgain() {
    lab.recreate();
  }

  @Test
  void aCrashedPrimaryIsReplacedWithNoAcknowledgedCommitLostAndTheClusterIsWholeAfterwards(Lab theLab)
      throws Exception {
    lab = theLab;
    String before = primary(lab.status());

    JsonNode run = drillOnce("primary-crash", Path.of("target", "drill-it", "drill.json"));

    assertEquals("COMPLETED", run.path("action").asText(), run.path("reason").asText());
    assertEquals(0, run.path("lostCommits").asInt(), "acknowledged commits lost: " + run.path("lostSample"));
    assertTrue(run.path("ackedCommits").asInt() > 0, "the writer committed through pgpool");
    assertTrue(run.path("rtoMs").isNumber(), "writes through pgpool came back");
    assertTrue(run.path("whole").asBoolean(), run.path("wholeDetail").asText());
    assertTrue(Files.size(Path.of("target", "drill-it", "drill.png")) > 0, "the chart is written");

    Lab.Status after = lab.status();
    String primary = primary(after);
    assertNotEquals(before, primary, "a standby was promoted");
    for (Lab.Node node : after.nodes()) {
      if (!node.name().equals(primary)) {
        assertEquals(List.of("standby", "streaming", after.node(primary).timeline()),
            List.of(node.role(), node.state(), node.timeline()), node.name() + " follows " + primary);
      }
    }
    try (Connection c = lab.connectNode(primary); Statement s = c.createStatement()) {
      s.execute("INSERT INTO drill_commits (run, seq) VALUES (-1, 1) ON CONFLICT DO NOTHING");
    }
  }

  @Test
  void theOnlyNodeHoldingEveryAcknowledgedCommitIsUnreachableSoNothingIsPromotedUntilItIsThenItIsPromoted(
      Lab theLab) throws Exception {
    lab = theLab;

    JsonNode run = drillOnce("sync-unreachable", Path.of("target", "drill-it", "sync-unreachable.json"));

    assertEquals(0, run.path("lostCommits").asInt(), "acknowledged commits lost: " + run.path("lostSample"));
    String first = run.path("decisions").path(0).asText();
    assertTrue(first.startsWith("REFUSED") && first.contains("refusing to promote"), first);
    assertEquals("COMPLETED", run.path("action").asText(), run.path("reason").asText());
    assertTrue(run.path("reason").asText().contains("holds every acknowledged commit"), run.path("reason").asText());
    assertTrue(run.path("whole").asBoolean(), run.path("wholeDetail").asText());
  }

  @Test
  void aPointInTimeRestoreAfterAFailoverHoldsExactlyTheCommitsAcknowledgedBeforeItsTarget(Lab theLab)
      throws Exception {
    lab = theLab;

    JsonNode run = drillOnce("pitr", Path.of("target", "drill-it", "pitr.json"));

    assertEquals(0, run.path("lostCommits").asInt(), "acknowledged commits lost: " + run.path("lostSample"));
    assertEquals(run.path("timelineBefore").asInt() + 1, run.path("timelineAfter").asInt(), "one failover");
    JsonNode pitr = run.path("pitr");
    assertTrue(pitr.path("problem").isNull(), pitr.toString());
    assertTrue(pitr.path("expectedRows").asInt() > 0, pitr.toString());
    assertEquals(pitr.path("expectedRows").asInt(), pitr.path("restoredRows").asInt(), pitr.toString());
    assertEquals(0, pitr.path("extraSample").size(), "commits after the target restored: " + pitr);
    assertTrue(run.path("archiveLagAtFault").has("pendingSegments"), "archive lag measured at the fault: " + run);
  }

  @Test
  void theFaultMatrixSubsetHoldsEveryInvariantAndExpectation(Lab theLab) throws Exception {
    lab = theLab;
    List<String> scenarios = List.of("isolate-primary", "instance-restart", "partition-probe", "concurrent-events",
        "pgpool-blip");
    Path json = Path.of("target", "drill-it", "matrix.json");

    int status = drill(json, "--matrix", "--runs", "1", "--scenarios", String.join(",", scenarios));

    JsonNode runs = new ObjectMapper().readTree(json.toFile()).path("runs");
    assertEquals(scenarios.size(), runs.size(), runs.toPrettyString());
    for (JsonNode run : runs) {
      String which = run.path("scenario").asText() + ": " + run.path("violations");
      assertEquals(0, run.path("violations").size(), which);
      assertTrue(run.path("maxWritableAtOnce").asInt() == 1, "one writable host at a time, " + which);
      assertEquals(0, run.path("lostCommits").asInt(), which);
      assertTrue(run.path("whole").asBoolean(), which);
    }
    JsonNode isolated = runs.path(0);
    assertEquals(0, isolated.path("lostAfterPromotion").asInt(), "the direct writer's commits after the promotion");
    assertTrue(isolated.path("directCommits").asInt() > 0, "the direct writer committed before the partition");
    assertEquals(0, status, "the matrix's exit status");
  }

  /** One run of SCENARIO through the drill with the lab's function environment; its report's run, exit 0 asserted. */
  private static JsonNode drillOnce(String scenario, Path json) throws Exception {
    int status = drill(json, "--scenario", scenario, "--runs", "1");
    JsonNode run = new ObjectMapper().readTree(json.toFile()).path("runs").path(0);
    assertEquals(0, status, run.toPrettyString());
    return run;
  }

  /** The drill with ARGS and the lab's function environment, its report to JSON; its exit status. */
  private static int drill(Path json, String... args) throws Exception {
    Map<String, String> env = new HashMap<>(System.getenv());
    lab.must("env").lines().map(l -> l.split("=", 2)).forEach(kv -> env.put(kv[0], kv[1]));
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--json", json.toString(), "--documents", Path.of("..", "..", "ssm-documents").toString()));
    return Drill.run(all.toArray(String[]::new), env, System.out);
  }

  private static String primary(Lab.Status status) {
    List<String> primaries = status.nodes().stream().filter(n -> "primary".equals(n.role())).map(Lab.Node::name)
        .toList();
    assertEquals(1, primaries.size(), "one primary: " + status.nodes());
    return primaries.get(0);
  }
}

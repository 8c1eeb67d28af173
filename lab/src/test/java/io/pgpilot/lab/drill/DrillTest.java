package io.pgpilot.lab.drill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.lab.Lab;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The drill's pure parts: its arguments, which node a scenario hits, the medians. */
class DrillTest {

  @Test
  void givenNoArguments_whenParsed_thenThreePrimaryCrashRunsWithTheReportUnderTarget() {
    Drill.Options options = Drill.Options.parse(new String[0]);

    assertEquals(Scenario.PRIMARY_CRASH, options.scenario());
    assertEquals(3, options.runs());
    assertEquals(Path.of("target", "drill", "drill-primary-crash.json"), options.json());
    assertEquals(Path.of("target", "drill", "drill-primary-crash.png"), options.chart());
  }

  @Test
  void givenBadArguments_whenParsed_thenEachIsRefusedWithWhatWasWrong() {
    assertRefused("unknown scenario 'meteor'", "--scenario", "meteor");
    assertRefused("--runs must be a whole number from 1 to 100, not '0'", "--runs", "0");
    assertRefused("--runs must be a whole number from 1 to 100, not 'many'", "--runs", "many");
    assertRefused("--tick-ms must be a whole number from 200 to 60000, not '5'", "--tick-ms", "5");
    assertRefused("--json needs a value", "--json");
    assertRefused("unknown argument '--force'", "--force");
    assertRefused("--compare is for primary-crash and primary-stop", "--compare", "--scenario", "switchover");
    assertRefused("--compare runs every contender synchronous", "--compare", "--async");
  }

  @Test
  void givenFlags_whenParsed_thenTheyTakeNoValue() {
    Drill.Options options = Drill.Options.parse(new String[] {"--async", "--runs", "2", "--scenario", "primary-stop"});

    assertTrue(options.async());
    assertEquals(2, options.runs());
    assertEquals(Scenario.PRIMARY_STOP, options.scenario());
    assertTrue(Drill.Options.parse(new String[] {"--compare"}).compare());
  }

  private static void assertRefused(String message, String... args) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Drill.Options.parse(args));
    assertTrue(e.getMessage().startsWith(message), e.getMessage() + " for " + Arrays.toString(args));
  }

  @Test
  void givenTheSeedChain_whenEachScenarioPicksItsNode_thenPrimaryCascadingDownstreamAndSyncStandby() {
    Lab.Status chain = status(
        node("pg1", "primary", null, null), node("pg2", "standby", "pg1", "sync"), node("pg3", "standby", "pg2", null));

    assertEquals("pg1", Scenario.PRIMARY_CRASH.target(chain));
    assertEquals("pg1", Scenario.PRIMARY_STOP.target(chain));
    assertEquals("pg2", Scenario.CASCADE_CRASH.target(chain));
    assertEquals("pg3", Scenario.DOWNSTREAM_CRASH.target(chain));
    assertEquals("pg2", Scenario.SWITCHOVER.target(chain));
    assertEquals("pg1", Scenario.SYNC_UNREACHABLE.target(chain));
  }

  @Test
  void givenAPrimaryWithOnlyASynchronousStandby_whenSyncUnreachableIsAsked_thenRefusedNamingWhatIsMissing() {
    Lab.Status pair = status(node("pg1", "primary", null, null), node("pg2", "standby", "pg1", "sync"));

    IllegalStateException e = assertThrows(IllegalStateException.class, () -> Scenario.SYNC_UNREACHABLE.target(pair));

    assertTrue(e.getMessage().startsWith("sync-unreachable needs a primary with a synchronous and an asynchronous"
        + " standby"), e.getMessage());
  }

  @Test
  void givenDecisionsOfAWholeCluster_whenTheirRankingIsChecked_thenStaleTimelinesAndTiesLostBySyncAreFound() {
    Lab.Status before = status(node("pg1", "primary", null, null), node("pg2", "standby", "pg1", "sync"),
        node("pg3", "standby", "pg2", null));
    String right = "pg1 has failed: ...; promoting pg2, the answering standby that has received the most WAL: pg2"
        + " 0/3463460 on timeline 1 (synchronous), pg3 0/3463460 on timeline 1; pg3 has received as much";
    String staleTimeline = "promoting pg3, the answering standby that has received the most WAL: pg3 0/3463460 on"
        + " timeline 2, pg2 0/3463460 on timeline 1 (synchronous); ...";
    String tieLost = "promoting pg3, the answering standby that has received the most WAL: pg3 0/3463460 on"
        + " timeline 1, pg2 0/3463460 on timeline 1 (synchronous); ...";

    assertNull(Ranking.problem(right, before));
    assertNull(Ranking.problem("REFUSED at +1.20 s: pg1 has failed; refusing to promote pg3: ...", before));
    assertTrue(Ranking.problem(staleTimeline, before).startsWith("pg3 is ranked on timeline 2 while the cluster was"
        + " on timeline 1"), Ranking.problem(staleTimeline, before));
    assertTrue(Ranking.problem(tieLost, before).startsWith("a tie not won by the synchronous standby"));
  }

  @Test
  void givenAFlatClusterAfterAFailover_whenACascadeCrashIsAsked_thenRefusedNamingWhatIsMissing() {
    Lab.Status flat = status(
        node("pg2", "primary", null, null), node("pg1", "standby", "pg2", "sync"), node("pg3", "standby", "pg2",
            "potential"));

    IllegalStateException e = assertThrows(IllegalStateException.class, () -> Scenario.CASCADE_CRASH.target(flat));
    assertTrue(e.getMessage().startsWith("cascade-crash needs a standby that another standby streams from; the lab"
        + " now has pg2 primary"), e.getMessage());
    assertEquals("pg3", Scenario.DOWNSTREAM_CRASH.target(flat));
  }

  @Test
  void givenRunsWithAndWithoutFigures_whenSummarized_thenMediansIgnoreTheMissing() {
    assertEquals(2000L, Report.median(List.of(3000L, 1000L, 2000L)));
    assertEquals(1500L, Report.median(Arrays.asList(1000L, null, 2000L)));
    assertNull(Report.median(Arrays.asList((Long) null)));
    assertEquals("1.50 s", Report.seconds(1500L));
    assertEquals("-", Report.seconds(null));
    assertEquals(2.5, Report.ratio(5000L, 2000L));
    assertNull(Report.ratio(3L, 0L), "no ratio to a pgpilot that lost nothing");
    assertNull(Report.ratio(null, 2000L));
  }

  @Test
  void givenACommitAcknowledgedJustAfterTheKill_whenTheOutageIsMeasured_thenItEndsWithTheLongestPauseNotThatCommit() {
    List<Workload.Commit> commits = List.of(
        new Workload.Commit(1, 900, 990), new Workload.Commit(2, 995, 1002),   // fault at 1000: still acknowledged
        new Workload.Commit(3, 3100, 3150), new Workload.Commit(4, 3150, 3160));

    assertEquals(2150L, Workload.rtoMs(commits, 1000), "RTO 2.15 s, not 2 ms");
    assertNull(Workload.rtoMs(commits.subList(0, 1), 1000), "nothing acknowledged after the fault");
  }

  @Test
  void givenWritesThatNeverStopped_whenTheOutageIsMeasured_thenNoneAndALaterPauseDoesNotCount() {
    List<Workload.Commit> commits = new java.util.ArrayList<>();
    for (long t = 0; t < 10_000; t += 5) {
      commits.add(new Workload.Commit(t, t, t + 2));
    }
    commits.add(new Workload.Commit(20_000, 20_000, 20_002));   // a pause 7 s after the fault: not its outage

    assertEquals(0L, Workload.rtoMs(commits, 3000));
  }

  private static Lab.Status status(Lab.Node... nodes) {
    return new Lab.Status(List.of(nodes), null, null);
  }

  private static Lab.Node node(String name, String role, String upstream, String sync) {
    return new Lab.Node(name, "10.87.0.1", 5432, "i-" + name, role, "primary".equals(role) ? "running" : "streaming",
        !"primary".equals(role), upstream, sync, 1, 0L, 0L, "postgresql://" + name);
  }
}

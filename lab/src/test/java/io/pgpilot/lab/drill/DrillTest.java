package io.pgpilot.lab.drill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.lab.Lab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The drill's pure parts: its arguments, which node a scenario hits, the medians. */
class DrillTest {

  @Test
  void givenNoArguments_whenParsed_thenThreePrimaryCrashRunsWithTheReportUnderTarget() {
    Drill.Options options = Drill.Options.parse(new String[0]);

    assertEquals(Scenario.PRIMARY_CRASH, options.scenario());
    assertEquals(3, options.runs());
    assertEquals(60_000, options.tickMs(), "the monitor on the deployed rule's schedule, rate(1 minute)");
    assertEquals(AwsLatency.NONE, options.latency(), "the lab's own speed unless asked");
    assertEquals(Path.of("target", "drill", "drill-primary-crash.json"), options.json());
    assertEquals(Path.of("target", "drill", "drill-primary-crash.png"), options.chart(Scenario.PRIMARY_CRASH));
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
    assertRefused("--matrix runs every scenario", "--matrix", "--async");
    assertRefused("--matrix runs every scenario", "--matrix", "--scenario", "primary-crash");
    assertRefused("--scenarios is for --matrix", "--scenarios", "primary-crash,bad-tag");
    assertRefused("unknown scenario 'meteor'", "--matrix", "--scenarios", "primary-crash,meteor");
  }

  @Test
  void givenMatrix_whenParsed_thenEveryScenarioOnceWithOneReportAndAChartPerScenario() {
    Drill.Options all = Drill.Options.parse(new String[] {"--matrix"});

    assertEquals(List.of(Scenario.values()), all.scenarios());
    assertEquals(1, all.runs());
    assertEquals(Path.of("target", "drill", "matrix.json"), all.json());
    assertEquals(Path.of("target", "drill", "matrix-bad-tag.png"), all.chart(Scenario.BAD_TAG));

    Drill.Options some = Drill.Options.parse(new String[] {"--matrix", "--scenarios", "isolate-primary, partition-probe",
        "--runs", "3"});
    assertEquals(List.of(Scenario.ISOLATE_PRIMARY, Scenario.PARTITION_PROBE), some.scenarios());
    assertEquals(3, some.runs());
  }

  @Test
  void givenFlags_whenParsed_thenTheyTakeNoValue() {
    Drill.Options options = Drill.Options.parse(new String[] {"--async", "--runs", "2", "--scenario", "primary-stop"});

    assertTrue(options.async());
    assertEquals(2, options.runs());
    assertEquals(Scenario.PRIMARY_STOP, options.scenario());
    assertTrue(Drill.Options.parse(new String[] {"--compare"}).compare());
    AwsLatency model = Drill.Options.parse(new String[] {"--aws-latency", "--runs", "5"}).latency();
    assertEquals(AwsLatency.MODEL, model);
    assertEquals(java.time.Duration.ofMillis(1500), model.toHandler(), "event delivery, then a cold start");
    assertEquals(model.settings().keySet(), java.util.Set.of("ssmDeliveryMs", "eventDeliveryMs", "lambdaStartMs",
        "sources"));
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
    for (Scenario s : List.of(Scenario.ISOLATE_PRIMARY, Scenario.INSTANCE_RESTART, Scenario.PARTITION_PROBE,
        Scenario.KILLED_MIDWAY, Scenario.CONCURRENT_EVENTS, Scenario.BAD_TAG, Scenario.PGPOOL_BLIP, Scenario.PITR)) {
      assertEquals("pg1", s.target(chain), s.id);
    }
  }

  @Test
  void givenAFailoverThatPromotedOnce_whenJudged_thenNoProblemButTwoPromotionsOrNoneAreProblems() {
    assertEquals(List.of(), Scenario.PRIMARY_CRASH.problems(evidence("pg2", 2, "COMPLETED")));

    assertTrue(Scenario.PRIMARY_CRASH.problems(evidence("pg2", 3, "COMPLETED")).get(0)
        .startsWith("the timeline went from 1 to 3, not up by one"));
    assertTrue(Scenario.PRIMARY_CRASH.problems(evidence("pg1", 1, "REFUSED")).get(0)
        .startsWith("no standby was promoted"));
    assertTrue(Scenario.PRIMARY_CRASH.problems(evidence("pg2", 2, "FAILED")).get(0)
        .startsWith("pgpilot's run ended FAILED"));
  }

  @Test
  void givenACutProbePath_whenPgpilotStaysAndWritesGoOn_thenNoProblemElseEachIsNamed() {
    assertEquals(List.of(), Scenario.PARTITION_PROBE.problems(evidence("pg1", 1, "OBSERVED")));

    List<String> failedOver = Scenario.PARTITION_PROBE.problems(evidence("pg2", 2, "COMPLETED"));
    assertTrue(failedOver.get(0).startsWith("a promotion where none was expected"), failedOver.toString());
    assertTrue(failedOver.get(1).startsWith("pgpilot acted (COMPLETED)"), failedOver.toString());
    Scenario.Evidence stalled = new Scenario.Evidence("pg1", "pg1", 1, 1, "OBSERVED", 1200L, 3, List.of(), false,
        false, null, false, null, null, null);
    assertTrue(Scenario.PARTITION_PROBE.problems(stalled).get(0).startsWith("writes through pgpool stopped: RTO 1.20 s,"
        + " 3 write errors"));
  }

  @Test
  void givenAPointInTimeRestore_whenJudged_thenExactIsCorrectAndAnyMissingOrExtraCommitIsNamed() {
    Pitr.Result exact = new Pitr.Result("2026-12-06 13:30:13.156038+00", 7366, 7366, List.of(), List.of(), 1, 533L,
        6.2, "20261206-132226F", null);
    Pitr.Result short1 = new Pitr.Result(exact.target(), 7366, 7365, List.of(17L), List.of(), 0, 533L, 6.2, "b", null);
    Pitr.Result extra = new Pitr.Result(exact.target(), 7366, 7366, List.of(), List.of(7367L), 0, 533L, 6.2, "b", null);
    Pitr.Result failed = new Pitr.Result(null, 0, 0, List.of(), List.of(), 0, null, null, null, "lab restore failed");

    assertTrue(exact.correct(), "a commit never acknowledged but restored is reported, not judged");
    assertFalse(short1.correct());
    assertTrue(short1.violation().contains("7365 of 7366") && short1.violation().contains("[17]"), short1.violation());
    assertFalse(extra.correct());
    assertTrue(extra.violation().contains("after it [7367]"), extra.violation());
    assertFalse(failed.correct());
    assertEquals("point-in-time restore: lab restore failed", failed.violation());
    assertTrue(Scenario.PITR.expectsPromotion() && Scenario.PITR.restoresInstance());
  }

  @Test
  void givenAFalseAlarmFromPgpool_whenPgpilotReattachesOrPgpoolNeverDetached_thenNoProblemElseAFailoverIsNamed() {
    assertEquals(List.of(), Scenario.PGPOOL_BLIP.problems(evidence("pg1", 1, "REATTACHED")));
    assertEquals(List.of(), Scenario.PGPOOL_BLIP.problems(evidence("pg1", 1, "OBSERVED")));

    List<String> failedOver = Scenario.PGPOOL_BLIP.problems(evidence("pg2", 2, "COMPLETED"));
    assertTrue(failedOver.get(0).startsWith("a promotion where none was expected"), failedOver.toString());
    assertTrue(failedOver.get(1).startsWith("pgpilot's run ended COMPLETED, not REATTACHED"), failedOver.toString());
    assertFalse(Scenario.PGPOOL_BLIP.restoresInstance(), "nothing failed, so no instance is restarted");
    assertTrue(Scenario.SYNC_UNREACHABLE.endedByRefusal("refusing to promote pg3: pg3 is not known to hold"));
    assertFalse(Scenario.SYNC_UNREACHABLE.endedByRefusal("no failover of pg2: pg3's WAL receiver was streaming"),
        "a refusal on the way does not end the scenario's partitions");
    assertFalse(Scenario.ISOLATE_PRIMARY.endedByRefusal("refusing to promote pg3"));
  }

  @Test
  void givenKilledMidwayAndBadTagAndInstanceRestart_whenTheirEvidenceIsMissing_thenEachSaysWhat() {
    Scenario.Evidence plain = evidence("pg2", 2, "COMPLETED");

    assertEquals(List.of("the failover run was not killed after a promotion: the scenario did not happen",
        "the history records no run cut off after the fault"), Scenario.KILLED_MIDWAY.problems(plain));
    assertEquals(List.of("no alert named i-app1, the instance with the bad tag"), Scenario.BAD_TAG.problems(
        new Scenario.Evidence("pg1", "pg2", 1, 2, "COMPLETED", 0L, 0, List.of(), false, false, "i-app1", false, null,
            null, null)));
    List<String> restarted = Scenario.INSTANCE_RESTART.problems(new Scenario.Evidence("pg1", "pg2", 1, 2,
        "COMPLETED", 0L, 0, List.of(), false, false, null, false, "pgpilot-boot: PostgreSQL 15/pg1 started: tagged"
        + " primary", "PUBLISHED", "WRITABLE at +20.00 s"));
    assertEquals(3, restarted.size(), restarted.toString());
    assertTrue(restarted.get(0).startsWith("the old primary's boot gate did not keep PostgreSQL stopped"));
    assertEquals("its running event did not rejoin it: PUBLISHED", restarted.get(1));
    assertTrue(restarted.get(2).startsWith("the old primary answered as a primary again: WRITABLE"));
  }

  @Test
  void givenFiveEvents_whenOneCompletedAndTheOthersFoundNothingToDo_thenNoProblemElseEachIsNamed() {
    List<String> waited = List.of("LEASE_HELD", "NO_OP");
    assertEquals(List.of(), Scenario.concurrencyProblems(List.of(List.of("COMPLETED"), waited, waited,
        List.of("NO_OP"), waited)));

    List<String> twice = Scenario.concurrencyProblems(List.of(List.of("COMPLETED"), List.of("LEASE_HELD",
        "COMPLETED"), waited, waited, waited));
    assertEquals(1, twice.size(), twice.toString());
    assertTrue(twice.get(0).startsWith("2 of the 5 events completed a run, not exactly one"));
    List<String> dropped = Scenario.concurrencyProblems(List.of(List.of("COMPLETED"), List.of("LEASE_HELD",
        "DUPLICATE"), waited, waited, List.of("FAILED")));
    assertEquals(List.of("an event's deliveries were LEASE_HELD, DUPLICATE: not NO_OP, nor LEASE_HELD then NO_OP"
        + " once the failover was done", "an event's deliveries were FAILED: not NO_OP, nor LEASE_HELD then NO_OP"
        + " once the failover was done"), dropped);
    assertEquals("3 x LEASE_HELD, NO_OP", Drill.deliveries(List.of("LEASE_HELD", "LEASE_HELD", "LEASE_HELD", "NO_OP")));
  }

  private static Scenario.Evidence evidence(String primaryAfter, int timelineAfter, String action) {
    return new Scenario.Evidence("pg1", primaryAfter, 1, timelineAfter, action, 0L, 0, List.of(), false, false, null,
        false, null, null, null);
  }

  @Test
  void givenABootLogThatGrew_whenTheGateDecided_thenItsDecisionFromTheNewLinesOnly(@TempDir Path dir)
      throws Exception {
    Path log = dir.resolve("boot.log");
    Files.writeString(log, "pgpilot-boot: PostgreSQL 15/pg1 started: tagged primary\n");
    long from = Files.size(log);

    assertNull(Drill.bootDecision(log, from), "nothing new yet");
    Files.writeString(log, "pgpilot-boot: PostgreSQL 15/pg1 stays stopped: tagged rebuild: pgpilot took it out\n",
        StandardOpenOption.APPEND);
    assertEquals("pgpilot-boot: PostgreSQL 15/pg1 stays stopped: tagged rebuild: pgpilot took it out",
        Drill.bootDecision(log, from));
    assertNull(Drill.bootDecision(dir.resolve("absent.log"), 0));
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
    return new Lab.Status(List.of(nodes), null, null, null);
  }

  private static Lab.Node node(String name, String role, String upstream, String sync) {
    return new Lab.Node(name, "10.87.0.1", 5432, "i-" + name, role, "primary".equals(role) ? "running" : "streaming",
        !"primary".equals(role), upstream, sync, 1, 0L, 0L, "postgresql://" + name, "/run/" + name, null);
  }
}

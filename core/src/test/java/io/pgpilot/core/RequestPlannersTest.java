package io.pgpilot.core;

import static io.pgpilot.core.PlanAssertions.assertReasonMentions;
import static io.pgpilot.core.SimulatedCluster.POLICY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.DynamicTest;

/**
 * The converging requests (switchover, rejoin) as the plan runner drives them: planned, executed,
 * planned again from a fresh look with the run so far, until a no-op. Replayed from every
 * intermediate state: the same look and the same results give the same continuation, and a run
 * that died anywhere is completed by the next failover run, with one primary and every
 * acknowledged commit on it.
 */
class RequestPlannersTest {

    private static final ClusterPlanner PLANNER = new ClusterPlanner(POLICY);

    /** What a run did: every decision's reason, every step result, and its last decision. */
    private record Driven(List<StepResult> results, Decision last) {
    }

    /** The runner's loop in miniature, from {@code start} (the run so far), bounded. */
    private static Driven drive(SimulatedCluster cluster, Request request, RunSoFar start) {
        RunSoFar run = start;
        Decision decision = PLANNER.decide(request, run.topology(), run.first(), run);
        for (int plans = 0; plans < 8 && decision instanceof Plan plan && !plan.isNoOp(); plans++) {
            List<StepResult> results = new ArrayList<>();
            for (Step step : plan.steps()) {
                StepResult result = cluster.execute(step);
                results.add(result);
                if (result.failed() && !(step instanceof Step.RebuildStandby)) {
                    break;
                }
            }
            run = run.with(results);
            if (!request.converges()) {
                break;
            }
            decision = PLANNER.decide(request, cluster.topology(), cluster.observe(1), run);
        }
        return new Driven(run.results(), decision);
    }

    private static Driven switchover(SimulatedCluster cluster, String target) {
        return drive(cluster, new Request.Switchover(target),
                RunSoFar.start(cluster.topology(), cluster.observe(1)));
    }

    @Test
    void givenSeedChain_whenSwitchedOverToTheSyncStandby_thenItIsPrimaryTheOldOneItsStandbyAndNothingIsLost() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().commit(20);
        Lsn acknowledged = cluster.acknowledged();

        Driven run = switchover(cluster, "pg2");

        Plan done = assertInstanceOf(Plan.class, run.last());
        assertTrue(done.isNoOp());
        assertReasonMentions(done, "switched over from pg1 to pg2 with no acknowledged commit lost",
                "pg1 rejoined as a standby of pg2");
        assertWhole(cluster, "pg2");
        assertFalse(acknowledged.isAfter(cluster.position("pg2")), "every acknowledged commit is on pg2");
        assertEquals(List.of(Step.AwaitCatchUp.class, Step.Fence.class, Step.Promote.class,
                Step.RetagInstances.class), run.results().subList(0, 4).stream().map(r -> r.step().getClass())
                .toList(), "catch up, fence, promote, then record the old primary out of service");
    }

    @TestFactory
    Stream<DynamicTest> givenASwitchoverStoppedAfterAnyStep_whenTheSameRunIsPlannedAgain_thenItEndsTheSame() {
        List<StepResult> complete = switchover(SimulatedCluster.seedChain().commit(5), "pg2").results();
        return IntStream.range(0, complete.size() + 1).mapToObj(k -> DynamicTest.dynamicTest("after step " + k, () -> {
            SimulatedCluster cluster = SimulatedCluster.seedChain().commit(5);
            RunSoFar start = RunSoFar.start(cluster.topology(), cluster.observe(1));
            complete.subList(0, k).forEach(r -> cluster.execute(r.step()));

            Driven rest = drive(cluster, new Request.Switchover("pg2"), start.with(complete.subList(0, k)));

            assertTrue(assertInstanceOf(Plan.class, rest.last()).isNoOp(), rest.last()::reason);
            assertWhole(cluster, "pg2");
        }));
    }

    @TestFactory
    Stream<DynamicTest> givenASwitchoverRunThatDiedAfterAnyStep_whenTheNextFailoverRunComes_thenOnePrimaryHoldsEverything() {
        List<StepResult> complete = switchover(SimulatedCluster.seedChain().commit(5), "pg2").results();
        return IntStream.range(0, complete.size() + 1).mapToObj(k -> DynamicTest.dynamicTest("died after step " + k,
                () -> {
                    SimulatedCluster cluster = SimulatedCluster.seedChain().commit(5);
                    Lsn acknowledged = cluster.acknowledged();
                    complete.subList(0, k).forEach(r -> cluster.execute(r.step()));

                    for (int runs = 0; runs < 3; runs++) {
                        drive(cluster, new Request.Failover(false), RunSoFar.start(cluster.topology(),
                                cluster.observe(3)));
                    }

                    List<String> writable = cluster.topology().names().stream()
                            .filter(n -> cluster.probe(n).writable()).toList();
                    assertEquals(1, writable.size(), () -> "one primary: " + writable);
                    assertFalse(acknowledged.isAfter(cluster.position(writable.get(0))),
                            "every acknowledged commit on " + writable.get(0));
                }));
    }

    @Test
    void givenATargetThatCannotCatchUp_whenSwitchedOver_thenTheSyncSettingIsPutBackAndNothingIsFenced() {
        SimulatedCluster cluster = SimulatedCluster.star().commit(5).at("pg3", "0/3000060");

        Driven run = switchover(cluster, "pg3");

        Refusal refusal = assertInstanceOf(Refusal.class, run.last());
        assertFalse(refusal.failure(), "a target that cannot catch up is a refusal, not a failure");
        assertReasonMentions(refusal, "no switchover to pg3: pg3 was still", "pg1 remains the primary");
        assertEquals(List.of("pg2"), cluster.probe("pg1").syncStandbys(), "put back");
        assertTrue(cluster.probe("pg1").writable());
        assertTrue(run.results().stream().noneMatch(r -> r.step() instanceof Step.Fence));
    }

    @Test
    void givenAnOldPrimaryStartedAgainAfterAFailover_whenItRejoins_thenItStreamsFromTheNewPrimaryAndIsInService() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().commit(5).crash("pg1");
        drive(cluster, new Request.Failover(false), RunSoFar.start(cluster.topology(), cluster.observe(3)));
        cluster.restart("pg1");

        Driven run = drive(cluster, new Request.Rejoin("pg1"), RunSoFar.start(cluster.topology(), cluster.observe(1)));

        assertReasonMentions(run.last(), "pg1 rejoined as a standby of pg2");
        assertWhole(cluster, "pg2");
    }

    @Test
    void givenARejoinWhoseRebuildFails_whenPlannedAgain_thenTheRunFailsSayingSo() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().crash("pg1");
        drive(cluster, new Request.Failover(false), RunSoFar.start(cluster.topology(), cluster.observe(3)));
        RunSoFar failed = RunSoFar.start(cluster.topology(), cluster.observe(1)).with(List.of(new StepResult(
                new Step.RebuildStandby("pg1", "pg2"), StepResult.Status.FAILED, "pg_rewind failed",
                java.time.Duration.ZERO)));

        Decision decision = PLANNER.decide(new Request.Rejoin("pg1"), cluster.topology(), cluster.observe(1), failed);

        Refusal refusal = assertInstanceOf(Refusal.class, decision);
        assertTrue(refusal.failure());
        assertReasonMentions(refusal, "pg1 did not rejoin as a standby of pg2: pg_rewind failed",
                "it stays tagged rebuild");
    }

    @Test
    void givenARejoinWhoseRebuildStillRuns_whenPlannedAgain_thenNothingMoreInThisRunAndTheReasonSaysItRuns() {
        SimulatedCluster cluster = failedOverFromStoppedPg1().ec2("pg1", Ec2State.RUNNING);
        RunSoFar running = RunSoFar.start(cluster.topology(), cluster.observe(1)).with(List.of(new StepResult(
                new Step.RebuildStandby("pg1", "pg2"), StepResult.Status.STARTED, "the rebuild of pg1 from pg2"
                + " (SSM command cmd-3) still runs after 300 s", java.time.Duration.ZERO)));

        Decision decision = PLANNER.decide(new Request.Rejoin("pg1"), cluster.topology(), cluster.observe(1), running);

        Plan plan = assertInstanceOf(Plan.class, decision);
        assertTrue(plan.isNoOp(), "not a failure: the rebuild may yet succeed, and the monitor finishes the rejoin");
        assertReasonMentions(plan, "pg1 is still being rebuilt as a standby of pg2: the rebuild of pg1 from pg2"
                + " (SSM command cmd-3) still runs after 300 s");
    }

    @Test
    void givenANodeTaggedRebuild_whenTheMonitorAsksWhichAwaitARejoin_thenOnlyWhileItRunsNeitherStreamingNorWriting() {
        SimulatedCluster cluster = failedOverFromStoppedPg1();

        List<String> stopped = PLANNER.awaitingRejoin(cluster.topology(), cluster.observe(1));
        List<String> runningDown = PLANNER.awaitingRejoin(cluster.ec2("pg1", Ec2State.RUNNING).topology(),
                cluster.observe(1));
        List<String> writable = PLANNER.awaitingRejoin(cluster.restart("pg1").topology(), cluster.observe(1));
        List<String> streaming = PLANNER.awaitingRejoin(cluster.rebuild("pg1", "pg2").topology(),
                cluster.observe(1));

        assertEquals(List.of(), stopped, "its running event starts the rejoin");
        assertEquals(List.of("pg1"), runningDown);
        assertEquals(List.of(), writable, "an old primary come back is the failover planner's: it fences it");
        assertEquals(List.of(), streaming, "back in service: the failover planner's convergence retags it");
    }

    /** pg1 crashed and its instance stopped; failed over to pg2, so pg1 is tagged rebuild. */
    private static SimulatedCluster failedOverFromStoppedPg1() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().crash("pg1").stopInstance("pg1");
        drive(cluster, new Request.Failover(false), RunSoFar.start(cluster.topology(), cluster.observe(3)));
        assertEquals(Role.REBUILD, cluster.topology().node("pg1").role());
        return cluster;
    }

    @Test
    void givenNoTaggedPrimary_whenTheHostsMapIsToBePublished_thenRefusedWithTheReason() {
        SimulatedCluster cluster = SimulatedCluster.seedChain();
        cluster.apply(PlanAssertions.retag("pg1", Role.REBUILD));

        Decision decision = PLANNER.decide(new Request.PublishHosts(), cluster.topology(), cluster.observe(1),
                RunSoFar.start(cluster.topology(), cluster.observe(1)));

        assertReasonMentions(assertInstanceOf(Refusal.class, decision), "no node is tagged primary");
    }

    /** {@code primary} alone accepts writes and is tagged so; every other node streams and is in service. */
    private static void assertWhole(SimulatedCluster cluster, String primary) {
        for (String node : cluster.topology().names()) {
            NodeObservation seen = cluster.probe(node);
            if (node.equals(primary)) {
                assertTrue(seen.writable(), primary + " accepts writes");
                assertEquals(Role.PRIMARY, cluster.topology().node(node).role());
            } else {
                assertTrue(seen.standby() && seen.walReceiver() == WalReceiverStatus.STREAMING, node + " streams: "
                        + seen);
                assertEquals(Role.STANDBY, cluster.topology().node(node).role(), node + " is in service");
            }
        }
    }
}

package io.pgpilot.core;

import static io.pgpilot.core.PlanAssertions.NOTIFY;
import static io.pgpilot.core.PlanAssertions.assertReasonMentions;
import static io.pgpilot.core.PlanAssertions.assertSteps;
import static io.pgpilot.core.PlanAssertions.notification;
import static io.pgpilot.core.PlanAssertions.plan;
import static io.pgpilot.core.PlanAssertions.retag;
import static io.pgpilot.core.SimulatedCluster.POLICY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The seed's "The Cascading Standby fails" and "The Downstream Standby fails", and the way back. */
class StandbyFailsTest {

    private static final List<Step> CASCADING_LOST = List.of(
            new Step.Repoint("pg3", "pg1"),
            new Step.SetSyncStandbys("pg1", List.of("pg3")),
            new Step.SetPgpoolBackends("pg1", List.of("pg3")),
            new Step.RebuildStandby("pg2", "pg1"),
            NOTIFY,
            retag("pg2", Role.REBUILD));

    @Test
    void givenSeedChain_whenCascadingStandbyStops_thenDownstreamIsRepointedToThePrimaryAndWritesNeverBlock() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().stopInstance("pg2");

        Decision decision = new FailoverPlanner(POLICY).decide(cluster.topology(), cluster.observe(1));

        assertSteps(CASCADING_LOST, decision);
        assertEquals("pg1", plan(decision).primary());
        assertReasonMentions(decision, "pg2 is lost: EC2 reports its instance stopped",
                "re-pointing pg3 to pg1 (it streams from pg2)",
                "setting synchronous_standby_names on pg1 to FIRST 1 (\"pg3\")",
                "rebuild it from pg1 before it rejoins");
        assertEquals("pgpilot lab: pg2 lost, rebuild planned", notification(decision).subject());
    }

    @Test
    void givenSeedChain_whenCascadingStandbyCrashesWithItsInstanceRunning_thenTheSameAfterConfirmation() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().crash("pg2");

        Decision decision = cluster.decide();

        assertSteps(CASCADING_LOST, decision);
        assertReasonMentions(decision, "pg2 is lost: unreachable in all 3 probe rounds");
    }

    @Test
    void givenCascadingStandbyLost_whenThePlanHasRun_thenTheRepeatIsANoOp() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().stopInstance("pg2");
        cluster.run(plan(cluster.decide()).steps());

        Decision again = cluster.decide();

        assertTrue(plan(again).isNoOp(), again::reason);
        assertEquals("pg1", plan(again).primary());
    }

    @Test
    void givenSeedChain_whenDownstreamStandbyStops_thenOnlyARebuildIsPlannedAndAnnounced() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().stopInstance("pg3");

        Decision decision = cluster.decide();

        assertSteps(List.of(
                new Step.SetPgpoolBackends("pg1", List.of("pg2")),
                new Step.RebuildStandby("pg3", "pg2"),
                NOTIFY,
                retag("pg3", Role.REBUILD)), decision);
        assertReasonMentions(decision, "pg3 is lost", "rebuild it from pg2");
    }

    @Test
    void givenDownstreamLost_whenItIsRebuiltFromPg2_thenItIsBackInService() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().stopInstance("pg3");
        cluster.run(plan(cluster.decide()).steps());
        cluster.rebuild("pg3", "pg2");

        Decision decision = cluster.decide();

        assertSteps(List.of(
                new Step.SetPgpoolBackends("pg1", List.of("pg2", "pg3")),
                NOTIFY,
                retag("pg3", Role.STANDBY)), decision);
        assertEquals("pgpilot lab: pg3 back in service", notification(decision).subject());
    }

    @Test
    void givenCascadingStandbyLost_whenItIsRebuilt_thenTheSeedsChainIsRestoredInTwoRuns() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().stopInstance("pg2");
        cluster.run(plan(cluster.decide()).steps());
        cluster.rebuild("pg2", "pg1");

        Decision rejoin = cluster.decide();
        cluster.run(plan(rejoin).steps());
        Decision recascade = cluster.decide();
        cluster.run(plan(recascade).steps());
        Decision settled = cluster.decide();

        // First pg2 is back in service; only then does pg3 return under it.
        assertSteps(List.of(
                new Step.SetSyncStandbys("pg1", List.of("pg2", "pg3")),
                new Step.SetPgpoolBackends("pg1", List.of("pg2", "pg3")),
                NOTIFY,
                retag("pg2", Role.STANDBY)), rejoin);
        assertSteps(List.of(
                new Step.Repoint("pg3", "pg2"),
                new Step.SetSyncStandbys("pg1", List.of("pg2")),
                NOTIFY), recascade);
        assertTrue(plan(settled).isNoOp(), settled::reason);
        assertEquals(SimulatedCluster.seedChain().topology(), cluster.topology());
    }

    @Test
    void givenStandbyUnreachableInOneRound_whenPlanned_thenNothingMovesUntilConfirmed() {
        SimulatedCluster cluster = SimulatedCluster.seedChain();
        List<ProbeRound> rounds = new ArrayList<>();
        rounds.add(cluster.round());
        rounds.add(cluster.round());
        cluster.crash("pg2");
        rounds.add(cluster.round());

        Decision decision = new FailoverPlanner(POLICY).decide(cluster.topology(), cluster.observation(rounds));

        assertTrue(plan(decision).isNoOp());
        assertReasonMentions(decision, "leaving pg2 in place: it answered in 2 of 3 probe rounds", "nothing to do");
    }

    @Test
    void givenCascadingStandbyJustCrashed_whenPg3StreamsFromNoNodeYet_thenPg3IsNotRepointedToTheUnansweringPg2() {
        // As the lab drill found it: pg3's WAL receiver names no sender once pg2 is gone, and a
        // re-point to pg2 (its configured upstream, not yet confirmed lost) can only hang.
        SimulatedCluster cluster = SimulatedCluster.seedChain();
        List<ProbeRound> rounds = new ArrayList<>();
        rounds.add(cluster.round());
        cluster.crash("pg2");
        ProbeRound crashed = cluster.round();
        rounds.add(crashed);
        rounds.add(new ProbeRound(crashed.at().plusSeconds(1), crashed.nodes().stream()
                .map(n -> !n.node().equals("pg3") ? n : NodeObservation.standby("pg3", n.receivedLsn(),
                        n.replayedLsn(), n.timeline(), WalReceiverStatus.WAITING, null))
                .toList()));

        Decision decision = new FailoverPlanner(POLICY).decide(cluster.topology(), cluster.observation(rounds));

        assertTrue(plan(decision).isNoOp(), decision::reason);
        assertReasonMentions(decision, "leaving pg3 where it is: its upstream pg2 does not answer now and its"
                + " failure is not confirmed");
    }

    @Test
    void givenProbeCannotReachCascadingStandby_whenPg3StillStreamsFromIt_thenItIsNotLost() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().blockProbe("pg2");

        Decision decision = cluster.decide();

        assertTrue(plan(decision).isNoOp());
        assertReasonMentions(decision, "pg3's WAL receiver was streaming from pg2");
    }

    @Test
    void givenSyncStandbyNamesDrifted_whenPrimaryIsHealthy_thenTheyAreSetBack() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().syncOn("pg1");

        Decision decision = cluster.decide();

        assertSteps(List.of(new Step.SetSyncStandbys("pg1", List.of("pg2")), NOTIFY), decision);
        assertEquals("pgpilot lab: replication of pg1 repaired", notification(decision).subject());
    }

    @Test
    void givenStandbysConfiguredToStreamFromEachOther_whenPlanned_thenTheCycleIsBrokenAtThePrimary() {
        Topology cycle = SimulatedCluster.topology(SimulatedCluster.node("pg1", 11, Role.PRIMARY, null, false),
                SimulatedCluster.node("pg2", 12, Role.STANDBY, "pg3", true),
                SimulatedCluster.node("pg3", 13, Role.STANDBY, "pg2", false));
        ProbeRound round = new ProbeRound(SimulatedCluster.T0, List.of(
                NodeObservation.primary("pg1", Lsn.parse("0/3000060"), 1, List.of("pg2")),
                NodeObservation.standby("pg2", Lsn.parse("0/3000060"), Lsn.parse("0/3000060"), 1,
                        WalReceiverStatus.STREAMING, "pg3"),
                NodeObservation.standby("pg3", Lsn.parse("0/3000060"), Lsn.parse("0/3000060"), 1,
                        WalReceiverStatus.STREAMING, "pg2")));

        Decision decision = new FailoverPlanner(POLICY)
                .decide(cycle, new ClusterObservation(List.of(round), java.util.Map.of(), null));

        assertSteps(List.of(
                new Step.Repoint("pg3", "pg1"),
                new Step.SetSyncStandbys("pg1", List.of("pg3")),
                NOTIFY), decision);
    }
}

package io.pgpilot.core;

import static io.pgpilot.core.PlanAssertions.NOTIFY;
import static io.pgpilot.core.PlanAssertions.assertReasonMentions;
import static io.pgpilot.core.PlanAssertions.assertSteps;
import static io.pgpilot.core.PlanAssertions.notification;
import static io.pgpilot.core.PlanAssertions.plan;
import static io.pgpilot.core.PlanAssertions.publishHostsWithPrimary;
import static io.pgpilot.core.PlanAssertions.refusal;
import static io.pgpilot.core.PlanAssertions.retag;
import static io.pgpilot.core.SimulatedCluster.POLICY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.FailoverPolicy.Replication;
import io.pgpilot.core.Step.Fence;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * PGPILOT_REPLICATION_MODE as the planner applies it: synchronous (the default) makes the
 * standbys that stream directly from the primary its synchronous standbys and promotes only a
 * standby known to hold every acknowledged commit; asynchronous always converges
 * synchronous_standby_names to '', and its RPO guard counts the primary's own recorded position.
 */
class ReplicationModeTest {

    private static final FailoverPolicy SYNCHRONOUS = POLICY;
    private static final FailoverPolicy ASYNCHRONOUS = POLICY.with(Replication.ASYNCHRONOUS);

    @Test
    void givenThePolicyWithoutAMode_whenBuilt_thenSynchronous() {
        assertEquals(Replication.SYNCHRONOUS, new FailoverPolicy(3, 0, false, null).replication());
        assertEquals(Replication.ASYNCHRONOUS, ASYNCHRONOUS.forced().replication(), "forcing keeps the mode");
    }

    // --------------------------------------------------------------------------- failover

    @Test
    void givenSynchronousMode_whenMasterCrashes_thenTheNewPrimaryWaitsForItsDirectStandby() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().crash("pg1");

        Decision decision = cluster.decide(SYNCHRONOUS);

        assertTrue(plan(decision).steps().contains(new Step.SetSyncStandbys("pg2", List.of("pg3"))),
                decision::reason);
        assertReasonMentions(decision, "setting synchronous_standby_names on pg2 to FIRST 1 (\"pg3\")");
    }

    @Test
    void givenAsynchronousMode_whenMasterCrashes_thenTheSameFailoverWithoutMakingAnyStandbySynchronous() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().at("pg3", "0/3000000").crash("pg1");

        Decision decision = cluster.decide(ASYNCHRONOUS);

        Topology topology = cluster.topology();
        assertSteps(List.of(
                new Fence("pg1", Fence.How.STOP_INSTANCE),
                new Step.Promote("pg2"),
                new Step.TellPgpoolPrimary("pg2"),
                publishHostsWithPrimary(topology, "pg2"),
                new Step.UpdateDnsRecord("pg-primary.lab.internal", "10.87.0.12"),
                new Step.SetPgpoolBackends("pg2", List.of("pg3")),
                new Step.RebuildStandby("pg1", "pg2"),
                NOTIFY,
                retag("pg1", Role.REBUILD, "pg2", Role.PRIMARY)), decision);
        assertReasonMentions(decision, "pg1 has failed: unreachable in all 3 probe rounds",
                "promoting pg2, the answering standby that has received the most WAL",
                "within the RPO guard of 1048576 bytes");
        assertFalse(decision.reason().contains("synchronous_standby_names"), decision::reason);
        assertEquals("pgpilot lab: failover from pg1 to pg2", notification(decision).subject());
    }

    @Test
    void givenAsynchronousModeAndAStandbyThatWouldWaitOncePromoted_whenMasterCrashes_thenItIsMadeAsynchronous() {
        // synchronous_standby_names is read on standbys too: it takes effect on promotion.
        SimulatedCluster cluster = SimulatedCluster.seedChain().syncOn("pg2", "pg3").crash("pg1");

        Decision decision = cluster.decide(ASYNCHRONOUS);

        List<Step> steps = plan(decision).steps();
        assertEquals(new Step.Promote("pg2"), steps.get(1));
        assertEquals(new Step.SetSyncStandbys("pg2", List.of()), steps.get(3));
        assertReasonMentions(decision, "asynchronous replication (PGPILOT_REPLICATION_MODE): making pg2"
                + " asynchronous, so no commit waits for a standby (synchronous_standby_names '' where it named pg3)");
    }

    @Test
    void givenAsynchronousMode_whenTheFailoverHasRun_thenTheNextRunIsANoOp() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().syncOn("pg2", "pg3").crash("pg1");
        cluster.run(plan(cluster.decide(ASYNCHRONOUS)).steps());

        Decision again = cluster.decide(ASYNCHRONOUS);

        assertTrue(plan(again).isNoOp(), again::reason);
        assertEquals("pg2", plan(again).primary());
    }

    @Test
    void givenThePrimaryRecordedAheadOfItsStandbys_whenFailingOver_thenOnlyAsynchronousReplicationCountsThatWalAsLost() {
        Decision synchronous = new FailoverPlanner(SYNCHRONOUS).decide(SimulatedCluster.star().topology(),
                primaryLastSeenAt("0/3000000", SimulatedCluster.star().at("pg2", "0/2000000").at("pg3", "0/2000000")
                        .crash("pg1")));
        Decision asynchronous = new FailoverPlanner(ASYNCHRONOUS).decide(SimulatedCluster.star().topology(),
                primaryLastSeenAt("0/3000000", SimulatedCluster.star().at("pg2", "0/2000000").at("pg3", "0/2000000")
                        .crash("pg1")));

        // Synchronous: pg1 acknowledged nothing its synchronous standby pg2 had not confirmed.
        assertEquals("pg2", plan(synchronous).primary());
        assertReasonMentions(synchronous, "pg2 holds every acknowledged commit");
        // Asynchronous: every commit up to pg1's recorded position may have been acknowledged.
        assertReasonMentions(refusal(asynchronous), "refusing to promote pg2",
                "16777216 bytes behind the best known position", "more than the RPO guard of 1048576 bytes");
    }

    @Test
    void givenEitherMode_whenTheAsynchronousStandbyIsAhead_thenItIsPromotedAlike() {
        Decision synchronous = SimulatedCluster.star().at("pg2", "0/3000000").crash("pg1").decide(SYNCHRONOUS);
        Decision asynchronous = SimulatedCluster.star().at("pg2", "0/3000000").crash("pg1").decide(ASYNCHRONOUS);

        assertEquals("pg3", plan(synchronous).primary());
        assertEquals("pg3", plan(asynchronous).primary());
    }

    private static ClusterObservation primaryLastSeenAt(String lsn, SimulatedCluster cluster) {
        ClusterObservation observed = cluster.observe(3);
        // As the monitor last saw pg1, before the fault: its synchronous standby pg2.
        PrimaryRecord record = new PrimaryRecord("lab", "pg1", SimulatedCluster.SYSTEM_ID, 1, Lsn.parse(lsn),
                List.of("pg2"), java.util.Map.of(), SimulatedCluster.T0);
        return new ClusterObservation(observed.rounds(), observed.ec2States(), record);
    }

    // --------------------------------------------------------------------------- converge

    @Test
    void givenAsynchronousModeAndAPrimaryWithSynchronousStandbys_whenConverged_thenTheSettingIsTurnedOff() {
        SimulatedCluster cluster = SimulatedCluster.seedChain();

        Decision decision = cluster.decide(ASYNCHRONOUS);

        assertSteps(List.of(new Step.SetSyncStandbys("pg1", List.of()), NOTIFY), decision);
        assertEquals("", ((Step.SetSyncStandbys) plan(decision).steps().get(0)).setting());
        assertReasonMentions(decision, "asynchronous replication (PGPILOT_REPLICATION_MODE): making pg1"
                + " asynchronous, so no commit waits for a standby (synchronous_standby_names '' where it named pg2)");
        assertEquals("pgpilot lab: replication of pg1 repaired", notification(decision).subject());
        assertEquals("pg1", plan(decision).primary());

        cluster.run(plan(decision).steps());
        assertTrue(plan(cluster.decide(ASYNCHRONOUS)).isNoOp(), "off once, then nothing to do");
    }

    @Test
    void givenSynchronousModeAndAnAsynchronousPrimary_whenConverged_thenItsDirectStandbyIsMadeSynchronousAgain() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().syncOn("pg1");

        Decision decision = cluster.decide(SYNCHRONOUS);

        assertSteps(List.of(new Step.SetSyncStandbys("pg1", List.of("pg2")), NOTIFY), decision);
        assertTrue(plan(cluster.decide(ASYNCHRONOUS)).isNoOp(), "already as the asynchronous mode wants it");
    }

    @Test
    void givenAsynchronousModeAndALostStandby_whenConverged_thenTheRestOfThePlanIsTheSynchronousModesLessTheSetting() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().syncOn("pg1").stopInstance("pg2");

        Decision decision = cluster.decide(ASYNCHRONOUS);

        assertSteps(List.of(
                new Step.Repoint("pg3", "pg1"),
                new Step.SetPgpoolBackends("pg1", List.of("pg3")),
                new Step.RebuildStandby("pg2", "pg1"),
                NOTIFY,
                retag("pg2", Role.REBUILD)), decision);
    }
}

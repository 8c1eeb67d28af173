package io.pgpilot.core;

import static io.pgpilot.core.PlanAssertions.assertReasonMentions;
import static io.pgpilot.core.PlanAssertions.assertSteps;
import static io.pgpilot.core.PlanAssertions.plan;
import static io.pgpilot.core.SimulatedCluster.POLICY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * pgpool reports a node down: the same confirmation and decision as the monitor's, and a report
 * pgpilot does not confirm re-attaches the node in every pgpool instead of failing anything over.
 */
class ReportedNodeTest {

    private static final ClusterPlanner PLANNER = new ClusterPlanner(POLICY);

    private static Decision reported(SimulatedCluster cluster, String node, ClusterObservation observation) {
        return PLANNER.decide(new Request.Reported(node, "pgpool pgpool1"), cluster.topology(), observation,
                new RunSoFar(cluster.topology(), observation, List.of()));
    }

    private static Decision monitor(SimulatedCluster cluster, ClusterObservation observation) {
        return new FailoverPlanner(POLICY).decide(cluster.topology(), observation);
    }

    @Test
    void givenAHealthyPrimaryThatOnePgpoolLostForAMoment_whenReported_thenNoFailoverAndEveryPgpoolReattachesIt() {
        SimulatedCluster cluster = SimulatedCluster.seedChain();

        Decision decision = reported(cluster, "pg1", cluster.observe(3));

        assertSteps(List.of(new Step.SetPgpoolBackends("pg1", List.of("pg2", "pg3"), "pg1")), decision);
        assertEquals("pg1", plan(decision).primary());
        assertReasonMentions(decision, "pgpool pgpool1 reported pg1 down; pgpilot finds it alive: it answered in the"
                + " latest of 3 probe rounds: no failover (pg1 is the primary", "a blip between that pgpool and pg1,"
                + " so every pgpool re-attaches pg1 once it can reach it again");
    }

    @Test
    void givenAHealthyStandbyReported_whenDecided_thenItIsReattachedAndNothingElseChanges() {
        SimulatedCluster cluster = SimulatedCluster.seedChain();

        Decision decision = reported(cluster, "pg3", cluster.observe(3));

        assertSteps(List.of(new Step.SetPgpoolBackends("pg1", List.of("pg2", "pg3"), "pg3")), decision);
        assertEquals("SetPgpoolBackends[primary=pg1, standbys=[pg2, pg3], reattach=pg3]",
                plan(decision).steps().get(0).toString());
    }

    /** The report of {@code node} decides exactly what the monitor decides from the same rounds; that decision. */
    private static Plan asTheMonitorDecides(SimulatedCluster cluster, String node) {
        ClusterObservation observation = cluster.observe(3);
        Decision decision = reported(cluster, node, observation);
        assertEquals(monitor(cluster, observation), decision);
        return plan(decision);
    }

    @Test
    void givenACrashedPrimary_whenReported_thenExactlyTheMonitorsFailover() {
        Plan plan = asTheMonitorDecides(SimulatedCluster.seedChain().crash("pg1"), "pg1");

        assertTrue(plan.steps().contains(new Step.Promote("pg2")), plan::reason);
    }

    @Test
    void givenACrashedPrimaryButAReportOfAStandby_whenDecided_thenStillTheFailover() {
        Plan plan = asTheMonitorDecides(SimulatedCluster.seedChain().crash("pg1"), "pg3");

        assertTrue(plan.steps().contains(new Step.Promote("pg2")), plan::reason);
    }

    @Test
    void givenALostStandby_whenReported_thenTheMonitorsRepairAndNoReattach() {
        Plan plan = asTheMonitorDecides(SimulatedCluster.seedChain().crash("pg3"), "pg3");

        assertTrue(plan.steps().contains(new Step.RebuildStandby("pg3", "pg2")), plan::reason);
    }

    @Test
    void givenAPrimaryThatCrashedDuringTheRounds_whenReported_thenLeftDetachedUntilALookConfirmsIt() {
        SimulatedCluster cluster = SimulatedCluster.seedChain();
        ClusterObservation first = cluster.observe(1);
        ClusterObservation observation = first.followedBy(cluster.crash("pg1").observe(2));

        Decision decision = reported(cluster, "pg1", observation);

        assertEquals(monitor(cluster, observation).reason(), decision.reason(), "the monitor's decision, unchanged");
        assertTrue(!(decision instanceof Plan plan) || plan.steps().stream()
                .noneMatch(Step.SetPgpoolBackends.class::isInstance), "a node that looks down now is not re-attached");
        assertReasonMentions(decision, "it answered in 1 of 3 probe rounds, so its failure is not confirmed");
    }

    @Test
    void givenAPrimaryTheAutomationCannotReachWhileItsStandbyStreams_whenReported_thenReattachedNotFailedOver() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().blockProbe("pg1");

        Decision decision = reported(cluster, "pg1", cluster.observe(3));

        assertSteps(List.of(new Step.SetPgpoolBackends("pg1", List.of("pg2", "pg3"), "pg1")), decision);
        assertReasonMentions(decision, "pg2's WAL receiver was streaming from pg1");
    }

    @Test
    void givenAnOldPrimaryOutOfService_whenReported_thenNothingToReattachAndTheReasonSaysWhy() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().stopInstance("pg1");
        cluster.run(plan(cluster.decide()).steps());
        ClusterObservation observation = cluster.observe(3);

        Decision decision = reported(cluster, "pg1", observation);

        assertTrue(plan(decision).isNoOp(), decision::reason);
        assertEquals("pg2", plan(decision).primary());
        assertReasonMentions(decision, "pgpool pgpool1 reported pg1 down, which is out of service (tagged rebuild):"
                + " pgpool keeps it detached; pg2 is the primary");
    }

    @Test
    void givenANodeTheTopologyDoesNotHave_whenReported_thenTheMonitorsDecisionAsItIs() {
        assertTrue(asTheMonitorDecides(SimulatedCluster.seedChain(), "pg9").isNoOp());
    }

    @Test
    void givenAReattachOfANodeOutOfService_whenBuilt_thenRejected() {
        PlannerInputTest.assertRejected("pgpool can re-attach only a node in service (pg1, [pg2]), not pg3",
                () -> new Step.SetPgpoolBackends("pg1", List.of("pg2"), "pg3"));
        assertEquals("SetPgpoolBackends[primary=pg1, standbys=[pg2]]",
                new Step.SetPgpoolBackends("pg1", List.of("pg2")).toString());
        PlannerInputTest.assertRejected("who reported pg1 down is missing (null)",
                () -> new Request.Reported("pg1", null));
    }
}

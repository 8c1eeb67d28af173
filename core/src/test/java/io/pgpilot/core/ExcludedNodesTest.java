package io.pgpilot.core;

import static io.pgpilot.core.PlanAssertions.assertReasonMentions;
import static io.pgpilot.core.PlanAssertions.plan;
import static io.pgpilot.core.PlanAssertions.refusal;
import static io.pgpilot.core.SimulatedCluster.POLICY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Bad input about the nodes: a PostgreSQL that is another database (a foreign system
 * identifier), an answer that cannot be read, a primary record of another cluster. Never a
 * candidate, never in service, nothing changed because of it, and an alert that says why.
 */
class ExcludedNodesTest {

    private static final String FOREIGN = "7399999999999999999";

    @Test
    void givenAStandbyThatIsAnotherDatabase_whenTheClusterIsOtherwiseHealthy_thenNothingChangesAndItIsAlerted() {
        SimulatedCluster cluster = SimulatedCluster.seedChain();
        cluster.observe(3);
        cluster.foreign("pg3", FOREIGN);

        Decision decision = cluster.decide();

        assertTrue(plan(decision).isNoOp(), decision::reason);
        Alert alert = decision.alerts().get(0);
        assertEquals("excluded:pg3", alert.key());
        assertTrue(alert.message().contains("pg3 reports PostgreSQL system identifier \"" + FOREIGN + "\", not the"
                + " cluster's " + SimulatedCluster.SYSTEM_ID), alert::message);
        assertTrue(alert.message().contains("neither promotes, keeps, re-points, routes to nor rebuilds pg3"),
                alert::message);
    }

    @Test
    void givenTheOnlyUpToDateStandbyIsAnotherDatabase_whenThePrimaryFails_thenItIsNeverTheCandidate() {
        SimulatedCluster cluster = SimulatedCluster.star().syncOn("pg1", "pg2", "pg3");
        cluster.observe(3);
        cluster.foreign("pg3", FOREIGN).at("pg3", "0/9000000").crash("pg1");

        Decision decision = cluster.decide(POLICY.with(FailoverPolicy.Replication.ASYNCHRONOUS));

        Plan plan = plan(decision);
        assertEquals("pg2", plan.primary());
        assertTrue(plan.steps().stream().noneMatch(s -> s.toString().contains("pg3")
                && !(s instanceof Step.PublishHosts) && !(s instanceof Step.Notify)), () -> plan.steps().toString());
        assertReasonMentions(decision, "leaving pg3 out: pg3 reports PostgreSQL system identifier");
    }

    @Test
    void givenAStandbyWhoseAnswerCannotBeRead_whenThePrimaryFails_thenItIsNotACandidateAndNotTakenForDown() {
        SimulatedCluster cluster = SimulatedCluster.seedChain();
        cluster.observe(3);
        cluster.garbled("pg2", "its position \"zz/1\" is not an LSN").crash("pg1");

        Decision decision = cluster.decide();

        assertReasonMentions(refusal(decision), "refusing to promote pg3",
                "pg2 answers unusably (it had confirmed", "so it may hold acknowledged commits that pg3 lacks");
        assertEquals(List.of("excluded:pg2", "failover-refused:pg1"),
                decision.alerts().stream().map(Alert::key).sorted().toList());
    }

    @Test
    void givenThePrimaryIsAnotherDatabase_whenItAnswers_thenNothingIsPromoted() {
        SimulatedCluster cluster = SimulatedCluster.seedChain();
        cluster.observe(3);
        cluster.foreign("pg1", FOREIGN);

        Decision decision = cluster.decide();

        assertReasonMentions(refusal(decision), "no failover of pg1: it answers, although pg1 reports PostgreSQL"
                + " system identifier");
    }

    @Test
    void givenAPrimaryRecordOfAnotherCluster_whenDeciding_thenItIsIgnoredAndAlerted() {
        SimulatedCluster cluster = SimulatedCluster.seedChain();
        cluster.observe(3);
        PrimaryRecord mine = cluster.record();
        cluster.record(new PrimaryRecord("other", "pg1", FOREIGN, 7, Lsn.parse("F/0"), List.of("pgX"), java.util.Map.of(),
                mine.at())).crash("pg1");

        Decision decision = cluster.decide();

        assertEquals("pg2", plan(decision).primary(), decision::reason);
        assertEquals(List.of("foreign-record"), decision.alerts().stream().map(Alert::key).toList());
        assertTrue(decision.alerts().get(0).message().contains("names cluster \"other\""));
    }

    @Test
    void givenNoRecordAndStandbysOfTwoDatabases_whenThePrimaryFails_thenRefusedBecauseTheIdentityIsUnknown() {
        SimulatedCluster cluster = SimulatedCluster.star().foreign("pg3", FOREIGN).crash("pg1");

        Decision decision = cluster.decide();

        assertReasonMentions(refusal(decision), "pg1 has failed", "report different PostgreSQL system identifiers");
    }

    @Test
    void givenAnUnknownTimelineOrPosition_whenObserved_thenOnlyAnUnusableObservationCarriesIt() {
        NodeObservation unusable = NodeObservation.unusable("pg2", null, "timeline 0 is no timeline");

        assertTrue(unusable.reachable());
        assertEquals(null, unusable.position());
        assertTrue(!unusable.standby() && !unusable.writable());
    }
}

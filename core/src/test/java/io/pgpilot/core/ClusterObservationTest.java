package io.pgpilot.core;

import static io.pgpilot.core.PlanAssertions.assertReasonMentions;
import static io.pgpilot.core.PlanAssertions.normalized;
import static io.pgpilot.core.PlanAssertions.plan;
import static io.pgpilot.core.PlanAssertions.refusal;
import static io.pgpilot.core.SimulatedCluster.POLICY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One observation followed by another, as a run the monitor started sees the cluster: the
 * monitor's rounds, then one fresh round taken under the lease.
 */
class ClusterObservationTest {

    private final SimulatedCluster cluster = SimulatedCluster.seedChain();
    private final FailoverPlanner planner = new FailoverPlanner(POLICY);

    @Test
    void givenTwoObservations_whenCombined_thenTheRoundsFollowEachOtherAndTheLaterEc2StatesCount() {
        ClusterObservation monitor = cluster.observe(3);
        cluster.stopInstance("pg1");
        ClusterObservation fresh = cluster.observe(1);

        ClusterObservation combined = monitor.followedBy(fresh);

        assertEquals(4, combined.rounds().size());
        assertEquals(monitor.rounds(), combined.rounds().subList(0, 3));
        assertEquals(fresh.latest(), combined.latest(), "the fresh round is the latest");
        assertEquals(Ec2State.STOPPED, combined.ec2State("pg1"));
    }

    @Test
    void givenPrimaryRecords_whenCombined_thenTheLaterOneWinsAndAnEarlierOneIsKeptWhenTheLaterHasNone() {
        ClusterObservation earlier = cluster.observe(1);
        PrimaryRecord first = earlier.record();
        ClusterObservation without = new ClusterObservation(cluster.observe(1).rounds(), Map.of(), null);
        ClusterObservation with = cluster.commit(1).observe(1);

        assertEquals(first, earlier.followedBy(without).record());
        assertEquals(with.record(), earlier.followedBy(with).record());
        assertTrue(with.record().position().isAfter(first.position()));
    }

    @Test
    void givenLaterObservationThatIsOlder_whenCombined_thenRejectedSoTheFreshRoundIsAlwaysTheLatest() {
        ClusterObservation old = cluster.observe(1);
        ClusterObservation newer = cluster.observe(2);

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> newer.followedBy(old));

        assertTrue(error.getMessage().startsWith("the later observation's first round at 2026-03-01T03:00:00Z is older"
                + " than this observation's latest round at 2026-03-01T03:00:02Z"), error::getMessage);
        assertThrows(IllegalArgumentException.class, () -> old.followedBy(null));
    }

    @Test
    void givenPrimaryUnreachableInTheMonitorsRoundsAndTheFreshOne_whenPlanned_thenTheFailoverOfAFullObservation() {
        cluster.crash("pg1");
        ClusterObservation combined = cluster.observe(3).followedBy(cluster.observe(1));

        Decision decision = planner.decide(cluster.topology(), combined);

        Plan full = plan(SimulatedCluster.seedChain().crash("pg1").decide());
        assertEquals(normalized(full.steps()), normalized(plan(decision).steps()), "the same steps; the"
                + " notification's text differs only in the rounds counted");
        assertReasonMentions(decision, "pg1 has failed: unreachable in all 4 probe rounds over 3.0 s");
    }

    @Test
    void givenPrimaryThatAnswersInTheFreshRound_whenPlanned_thenItStaysThePrimary() {
        cluster.crash("pg1");
        ClusterObservation monitor = cluster.observe(3);
        cluster.restart("pg1");

        Decision decision = planner.decide(cluster.topology(), monitor.followedBy(cluster.observe(1)));

        assertEquals(List.of(), plan(decision).steps());
        assertTrue(decision.reason().startsWith("pg1 is the primary (timeline 1)"), decision::reason);
    }

    @Test
    void givenPrimaryThatAnsweredInOneOfTheMonitorsRounds_whenUnreachableInTheFreshOne_thenNotConfirmed() {
        ClusterObservation monitor = cluster.observe(1);
        cluster.crash("pg1");
        monitor = new ClusterObservation(List.of(monitor.latest(), cluster.round(), cluster.round()), Map.of(), null);

        Decision decision = planner.decide(cluster.topology(), monitor.followedBy(cluster.observe(1)));

        assertReasonMentions(refusal(decision), "no failover of pg1: it answered in 1 of 4 probe rounds");
    }
}

package io.pgpilot.core;

import static io.pgpilot.core.PlanAssertions.assertReasonMentions;
import static io.pgpilot.core.PlanAssertions.assertSteps;
import static io.pgpilot.core.PlanAssertions.refusal;
import static io.pgpilot.core.SimulatedCluster.POLICY;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Where a base backup is taken: a streaming standby the primary's commits do not wait for, if any. */
class BackupPlannerTest {

    private static final ClusterPlanner PLANNER = new ClusterPlanner(POLICY);

    private static Decision backup(SimulatedCluster cluster, String type) {
        return PLANNER.decide(new Request.Backup(type), cluster.topology(), cluster.observe(1),
                RunSoFar.start(cluster.topology(), cluster.observe(1)));
    }

    @Test
    void givenSeedChain_whenBackedUp_thenTheCascadingStandbyNotTheSynchronousOneCopiesTheFiles() {
        Decision decision = backup(SimulatedCluster.seedChain().commit(3), "full");

        assertSteps(List.of(new Step.Backup("pg3", "pg1", "full")), decision);
        assertReasonMentions(decision, "from pg3", "do not wait for", "pg1 only starts and stops it");
    }

    @Test
    void givenAStar_whenBackedUp_thenTheAsynchronousStandby() {
        assertSteps(List.of(new Step.Backup("pg3", "pg1", "diff")), backup(SimulatedCluster.star(), "diff"));
    }

    @Test
    void givenTheAsynchronousStandbyDown_whenBackedUp_thenTheSynchronousOneRatherThanThePrimary() {
        Decision decision = backup(SimulatedCluster.star().crash("pg3"), "incr");

        assertSteps(List.of(new Step.Backup("pg2", "pg1", "incr")), decision);
        assertReasonMentions(decision, "the synchronous standby, as no other streams");
    }

    @Test
    void givenNoStandbyStreams_whenBackedUp_thenThePrimaryBacksItselfUpAndSaysWhy() {
        Decision decision = backup(SimulatedCluster.star().crash("pg2").crash("pg3"), "full");

        assertSteps(List.of(new Step.Backup("pg1", "pg1", "full")), decision);
        assertReasonMentions(decision, "of the primary pg1 itself: no standby streams now");
    }

    @Test
    void givenAStandbyOfAnotherDatabase_whenBackedUp_thenItIsNeverTheSource() {
        Decision decision = backup(SimulatedCluster.star().foreign("pg3", "7300000000000000999"), "full");

        assertSteps(List.of(new Step.Backup("pg2", "pg1", "full")), decision);
    }

    @Test
    void givenThePrimaryDown_whenBackedUp_thenRefusedWithTheReasonAndNothingSent() {
        Refusal refused = refusal(backup(SimulatedCluster.seedChain().crash("pg1"), "full"));

        assertReasonMentions(refused, "no full backup", "pg1 does not answer as writable");
    }

    @Test
    void givenAnUnknownType_whenRequested_thenRefusedAtOnce() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Request.Backup("weekly"));
        assertTrue(e.getMessage().contains("expected full, diff or incr"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Step.Backup("pg2", "pg1", "differential"));
    }
}

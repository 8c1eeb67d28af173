package io.pgpilot.core;

import static io.pgpilot.core.SimulatedCluster.POLICY;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pgpilot.core.FailoverPolicy.Replication;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every combination of faults of the primary, the synchronous standby and the asynchronous
 * standby, in three shapes, both replication modes, with the primary record taken just before
 * the primary failed or some commits earlier. A writer commits throughout, and the simulated
 * cluster tracks which commits were acknowledged. Whatever the combination, the invariant:
 *
 * <ul>
 *   <li>synchronous replication: the promoted node holds every acknowledged commit, or nothing
 *       is promoted and the reason says why;</li>
 *   <li>asynchronous replication: the promoted node lacks at most the RPO guard, counted from the
 *       primary's last recorded position (what it acknowledged after that record is lost too);</li>
 *   <li>no node that holds acknowledged commits the new primary lacks is planned for a rebuild;</li>
 *   <li>and a safe promotion is not refused: with every standby that could confirm a commit
 *       answering, a crashed or stopped primary is replaced.</li>
 * </ul>
 */
class FaultCombinationTest {

    /** The shape of the cluster and which standbys the primary's commits wait for. */
    enum Shape {
        /** The seed: pg1 → pg2 (synchronous) → pg3. */
        CHAIN,
        /** pg2 and pg3 both stream from pg1; commits wait for pg2 only. */
        STAR,
        /** pg2 and pg3 both stream from pg1; FIRST 1 (pg2, pg3), as pgpilot converges a star. */
        STAR_EITHER
    }

    enum PrimaryFault { CRASHED, STOPPED, UNREACHABLE }

    enum StandbyFault { NONE, UNREACHABLE, STOPPED, CRASHED, LAGGING }

    record Case(Shape shape, Replication mode, boolean staleRecord, PrimaryFault primary, StandbyFault sync,
                StandbyFault async) {

        @Override
        public String toString() {
            return shape + " " + mode + (staleRecord ? " stale record" : " fresh record") + ": primary " + primary
                    + ", synchronous standby " + sync + ", asynchronous standby " + async;
        }
    }

    @TestFactory
    Stream<DynamicTest> everyFaultCombinationKeepsEveryAcknowledgedCommitOrPromotesNothing() {
        List<Case> cases = new ArrayList<>();
        for (Shape shape : Shape.values()) {
            for (Replication mode : Replication.values()) {
                for (boolean stale : new boolean[] {false, true}) {
                    for (PrimaryFault primary : PrimaryFault.values()) {
                        for (StandbyFault sync : StandbyFault.values()) {
                            for (StandbyFault async : StandbyFault.values()) {
                                cases.add(new Case(shape, mode, stale, primary, sync, async));
                            }
                        }
                    }
                }
            }
        }
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.toString(), () -> check(c)));
    }

    private static void check(Case c) {
        SimulatedCluster cluster = switch (c.shape()) {
            case CHAIN -> SimulatedCluster.seedChain();
            case STAR -> SimulatedCluster.star();
            case STAR_EITHER -> SimulatedCluster.star().syncOn("pg1", "pg2", "pg3");
        };
        // A guard of four commits, so that a lagging standby can be beyond it.
        FailoverPolicy policy = new FailoverPolicy(POLICY.confirmationProbes(), 4 * SimulatedCluster.COMMIT_BYTES,
                false, POLICY.dnsRecordName(), c.mode());
        if (c.mode() == Replication.ASYNCHRONOUS) {
            cluster.syncOn("pg1");
        }
        cluster.commit(10);
        cluster.observe(3);
        if (c.staleRecord()) {
            cluster.commit(10);  // acknowledged after the last look at the primary
        }
        fault(cluster, "pg2", c.sync());
        fault(cluster, "pg3", c.async());
        cluster.commit(10);
        if (!c.staleRecord()) {
            cluster.observe(3);
        }
        PrimaryRecord record = cluster.record();
        switch (c.primary()) {
            case CRASHED -> cluster.crash("pg1");
            case STOPPED -> cluster.stopInstance("pg1");
            case UNREACHABLE -> cluster.blockProbe("pg1").commit(10);
        }
        Lsn acknowledged = cluster.acknowledged();

        Decision decision = cluster.decide(policy);

        String context = c + "\nacknowledged up to " + acknowledged + "; decision: " + decision.reason();
        String promoted = decision instanceof Plan plan ? plan.steps().stream()
                .filter(Step.Promote.class::isInstance).map(s -> ((Step.Promote) s).node()).findFirst().orElse(null)
                : null;
        if (promoted == null) {
            assertFalse(decision.reason().isBlank(), context);
            if (decision instanceof Refusal && decision.reason().contains("has failed")) {
                assertTrue(decision.reason().contains("refusing to promote") || decision.reason().contains("no standby"),
                        () -> "a refused failover says why: " + context);
                assertFalse(decision.alerts().isEmpty(), () -> "a refused failover is an alert: " + context);
            }
            if (mustFailOver(c)) {
                fail("a safe failover was refused: " + context);
            }
            return;
        }
        Lsn kept = cluster.position(promoted);
        long lost = Math.max(0, acknowledged.bytesAfter(kept));
        if (c.mode() == Replication.SYNCHRONOUS) {
            assertTrue(lost == 0, () -> promoted + " at " + kept + " lacks " + lost + " acknowledged bytes: " + context);
        } else {
            long afterRecord = Math.max(0, acknowledged.bytesAfter(record.position()));
            assertTrue(lost <= policy.rpoGuardBytes() + afterRecord, () -> promoted + " at " + kept + " lacks " + lost
                    + " bytes, beyond the guard and what was acknowledged after the record: " + context);
        }
        for (Step step : ((Plan) decision).steps()) {
            if (step instanceof Step.RebuildStandby rebuild) {
                Lsn theirs = cluster.position(rebuild.node());
                Lsn held = theirs.isAfter(acknowledged) ? acknowledged : theirs;
                if (c.mode() == Replication.SYNCHRONOUS) {
                    assertFalse(held.isAfter(kept), () -> rebuild.node() + " holds acknowledged commits up to " + held
                            + " that " + promoted + " lacks, yet is planned for a rebuild: " + context);
                }
            }
        }
        assertInstanceOf(Plan.class, decision);
    }

    /**
     * Synchronous replication, a primary that is surely gone, and every standby that could have
     * confirmed its commits answering: the one holding them all must be promoted.
     */
    private static boolean mustFailOver(Case c) {
        if (c.mode() != Replication.SYNCHRONOUS || c.primary() == PrimaryFault.UNREACHABLE) {
            return false;
        }
        boolean syncAnswers = c.sync() == StandbyFault.NONE || c.sync() == StandbyFault.LAGGING;
        boolean asyncAnswers = c.async() == StandbyFault.NONE || c.async() == StandbyFault.LAGGING;
        return c.shape() == Shape.STAR_EITHER ? syncAnswers && asyncAnswers : syncAnswers;
    }

    private static void fault(SimulatedCluster cluster, String node, StandbyFault fault) {
        switch (fault) {
            case NONE -> { }
            case UNREACHABLE -> cluster.blockProbe(node);
            case STOPPED -> cluster.stopInstance(node);
            case CRASHED -> cluster.crash(node);
            case LAGGING -> cluster.cutOff(node);
        }
    }
}

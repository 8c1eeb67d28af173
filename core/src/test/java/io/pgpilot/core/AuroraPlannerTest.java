package io.pgpilot.core;

import static io.pgpilot.core.PlannerInputTest.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.AuroraObservation.Endpoint;
import io.pgpilot.core.AuroraObservation.Member;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Aurora mode's pure decision: when the writer is confirmed failed, which reader takes over, and when nothing is done. */
class AuroraPlannerTest {

    private static final Instant T0 = Instant.parse("2026-03-01T03:00:00Z");
    private static final List<Endpoint> DEAD = List.of(Endpoint.UNREACHABLE, Endpoint.UNREACHABLE,
            Endpoint.UNREACHABLE);
    private static final List<Endpoint> ALIVE = List.of(Endpoint.WRITER);

    private final AuroraPlanner planner = new AuroraPlanner("main", 3, Duration.ofMinutes(10));

    private static Member writer(String id, String status, String zone) {
        return new Member(id, true, status, zone, null, 1);
    }

    private static Member reader(String id, String status, String zone, Long lag, int tier) {
        return new Member(id, false, status, zone, lag, tier);
    }

    /** The seed's three-node cluster: writer a in zone 1a, readers b (1a) and c (1b). */
    private static List<Member> cluster(Long lagB, Long lagC) {
        return List.of(writer("db-a", "available", "us-east-1a"),
                reader("db-b", "available", "us-east-1a", lagB, 1),
                reader("db-c", "available", "us-east-1b", lagC, 1));
    }

    private static AuroraObservation seen(String status, List<Member> members, List<Endpoint> probes,
                                          AuroraObservation.LastFailover last) {
        return new AuroraObservation("db", status, members, probes, last, T0);
    }

    private Decision decide(List<Member> members, List<Endpoint> probes) {
        return planner.decide(seen("available", members, probes, null));
    }

    private static Plan plan(Decision decision) {
        return assertInstanceOf(Plan.class, decision, decision::reason);
    }

    private static Refusal refusal(Decision decision) {
        return assertInstanceOf(Refusal.class, decision, decision::reason);
    }

    private static void assertMentions(Decision decision, String... parts) {
        for (String part : parts) {
            assertTrue(decision.reason().contains(part), () -> "\"" + part + "\" not in: " + decision.reason());
        }
    }

    // ------------------------------------------------------------------------------ the choice

    @Test
    void givenWriterFailedWithTwoReaders_whenDecided_thenTheLowestLagReaderBecomesTheWriterAndPeopleAreTold() {
        List<Member> members = cluster(40L, 12L);

        Decision decision = decide(members, DEAD);

        Plan plan = plan(decision);
        assertEquals("db-c", plan.primary());
        assertEquals(List.of(new Step.FailoverDbCluster("db", "db-a", "db-c"),
                new Step.Notify("pgpilot main: Aurora failover from db-a to db-c", plan.reason())), plan.steps());
        assertMentions(decision, "writer db-a of DB cluster db has failed",
                "the cluster endpoint did not answer in any of 3 probe rounds", "failing over to db-c (available,"
                        + " lag 12 ms, us-east-1b)", "the lowest known replica lag",
                "other available readers: db-b (available, lag 40 ms, us-east-1a)");
    }

    @Test
    void givenLowerLagInTheFailedWritersZone_whenDecided_thenLagWinsOverTheZone() {
        Plan plan = plan(decide(cluster(5L, 30L), DEAD));

        assertEquals("db-b", plan.primary());
    }

    @Test
    void givenNoLagKnown_whenDecided_thenTheReaderOutsideTheFailedWritersZoneWinsOverAuroraTiers() {
        List<Member> members = List.of(writer("db-a", "available", "us-east-1a"),
                reader("db-b", "available", "us-east-1a", null, 0),
                reader("db-c", "available", "us-east-1b", null, 1));

        Decision decision = decide(members, DEAD);

        assertEquals("db-c", plan(decision).primary());
        assertMentions(decision, "no reader's lag is known; outside the failed writer's zone us-east-1a");
    }

    @Test
    void givenOneReaderWithKnownLag_whenDecided_thenKnownLagRanksBeforeUnknown() {
        assertEquals("db-b", plan(decide(cluster(900L, null), DEAD)).primary());
    }

    @Test
    void givenReadersEqualButForTheirTier_whenDecided_thenAuroraPromotionTierDecidesThenTheName() {
        List<Member> tiers = List.of(writer("db-a", "available", "us-east-1a"),
                reader("db-b", "available", "us-east-1b", null, 2),
                reader("db-c", "available", "us-east-1b", null, 0));
        List<Member> names = List.of(writer("db-a", "available", "us-east-1a"),
                reader("db-c", "available", "us-east-1b", null, 1),
                reader("db-b", "available", "us-east-1b", null, 1));

        assertEquals("db-c", plan(decide(tiers, DEAD)).primary());
        assertMentions(decide(tiers, DEAD), "the first in Aurora's promotion tiers (tier 0)");
        assertEquals("db-b", plan(decide(names, DEAD)).primary());
    }

    @Test
    void givenOneReaderUnavailable_whenDecided_thenTheOtherIsChosenWhateverItsLag() {
        List<Member> members = List.of(writer("db-a", "available", "us-east-1a"),
                reader("db-b", "rebooting", "us-east-1b", 1L, 1),
                reader("db-c", "available", "us-east-1a", 800L, 1));

        Decision decision = decide(members, DEAD);

        assertEquals("db-c", plan(decision).primary());
        assertMentions(decision, "the only available reader");
    }

    // ------------------------------------------------------------------------------ refusals

    @Test
    void givenNoReaderAvailable_whenWriterFailed_thenRefusedNamingEachReadersState() {
        List<Member> members = List.of(writer("db-a", "available", "us-east-1a"),
                reader("db-b", "failed", "us-east-1a", null, 1),
                reader("db-c", "creating", "us-east-1b", null, 1));

        Decision decision = decide(members, DEAD);

        refusal(decision);
        assertMentions(decision, "writer db-a of DB cluster db has failed",
                "no reader is available to take over: db-b (failed, us-east-1a), db-c (creating, us-east-1b)");
    }

    @Test
    void givenAClusterWithoutReaders_whenWriterFailed_thenRefused() {
        Decision decision = decide(List.of(writer("db-a", "failed", "us-east-1a")), List.of());

        assertMentions(refusal(decision), "no reader is available to take over (the cluster has none)");
    }

    @Test
    void givenClusterFailingOver_whenWriterLooksFailed_thenRefusedBecauseAuroraIsAlreadyMovingTheWriter() {
        Decision decision = planner.decide(seen("failing-over", cluster(10L, 20L), DEAD, null));

        refusal(decision);
        assertMentions(decision, "DB cluster db is failing-over: Aurora is already moving the writer",
                "pgpilot starts no failover now");
    }

    @Test
    void givenClusterModifying_whenWriterLooksFailed_thenRefused() {
        Decision decision = planner.decide(seen("modifying", cluster(10L, 20L), DEAD, null));

        assertMentions(refusal(decision), "DB cluster db is modifying: RDS is changing it");
    }

    @Test
    void givenWriterThatAnswers_whenAnAlarmRuns_thenRefusedBecauseAHealthyWriterIsNotFailedOver() {
        List<Endpoint> lateAnswer = List.of(Endpoint.UNREACHABLE, Endpoint.WRITER);

        Decision decision = decide(cluster(10L, 20L), lateAnswer);

        refusal(decision);
        assertMentions(decision, "writer db-a of DB cluster db is not confirmed failed",
                "the cluster endpoint answered and accepts writes in 1 of 2 probe rounds",
                "a healthy writer is not failed over");
    }

    @Test
    void givenNoEndpointProbe_whenRdsReportsTheWriterAvailable_thenNothingConfirmsAFailure() {
        Decision decision = decide(cluster(10L, 20L), List.of());

        assertMentions(refusal(decision), "RDS reports it available and the cluster endpoint was not probed");
    }

    @Test
    void givenFewerUnansweredRoundsThanConfirm_whenDecided_thenNotConfirmed() {
        Decision decision = decide(cluster(10L, 20L), List.of(Endpoint.UNREACHABLE, Endpoint.UNREACHABLE));

        assertMentions(refusal(decision), "did not answer in 2 probe rounds, fewer than the 3 that confirm");
    }

    @Test
    void givenEndpointStillNamingAReader_whenDecided_thenItAnsweredAndNothingIsConfirmed() {
        Decision decision = decide(cluster(10L, 20L), List.of(Endpoint.READ_ONLY));

        assertMentions(refusal(decision), "answered read-only (its DNS still names a reader)");
    }

    @Test
    void givenRdsReportsTheWriterFailed_whenNoProbeRan_thenThatConfirmsByItself() {
        List<Member> members = new ArrayList<>(cluster(10L, 20L));
        members.set(0, writer("db-a", "failed", "us-east-1a"));

        Decision decision = decide(members, List.of());

        assertEquals("db-b", plan(decision).primary());
        assertMentions(decision, "writer db-a of DB cluster db has failed: RDS reports it failed");
    }

    @Test
    void givenWriterRebooting_whenItsEndpointDoesNotAnswer_thenItIsAPlannedChangeNotAFailure() {
        List<Member> members = new ArrayList<>(cluster(10L, 20L));
        members.set(0, writer("db-a", "rebooting", "us-east-1a"));

        Decision decision = decide(members, DEAD);

        assertMentions(refusal(decision), "RDS reports it rebooting, a change made on purpose rather than a failure");
    }

    @Test
    void givenNoWriterOrTwo_whenDecided_thenRefusedAsBetweenWriters() {
        List<Member> none = List.of(reader("db-a", "available", "us-east-1a", null, 1),
                reader("db-b", "available", "us-east-1b", null, 1));
        List<Member> two = List.of(writer("db-a", "available", "us-east-1a"),
                writer("db-b", "available", "us-east-1b"));

        assertMentions(refusal(decide(none, DEAD)), "DB cluster db reports no writer (status available)",
                "Aurora is between writers");
        assertMentions(refusal(decide(two, DEAD)), "reports 2 writers [db-a, db-b]");
    }

    // ------------------------------------------------------------------------------ repeats

    @Test
    void givenTheWriterIsThePreviousTarget_whenTheEventIsRepeated_thenNoOpReportingTheCurrentWriter() {
        List<Member> after = List.of(reader("db-a", "available", "us-east-1a", null, 1),
                reader("db-b", "available", "us-east-1a", null, 1),
                writer("db-c", "available", "us-east-1b"));
        AuroraObservation.LastFailover last = new AuroraObservation.LastFailover("db-c", T0.minusSeconds(30));

        Decision answering = planner.decide(seen("available", after, ALIVE, last));
        // The endpoint's DNS may still name the dead instance for a while: the repeat is still a no-op.
        Decision notYetMoved = planner.decide(seen("available", after, DEAD, last));

        for (Decision decision : List.of(answering, notYetMoved)) {
            Plan plan = plan(decision);
            assertTrue(plan.isNoOp(), plan::toString);
            assertEquals("db-c", plan.primary());
            assertMentions(decision, "db-c is already the writer of DB cluster db: pgpilot failed over to it at"
                    + " 2026-03-01T02:59:30Z, less than 10 min ago", "nothing to do");
        }
    }

    @Test
    void givenThePreviousTargetLongAgo_whenItsEndpointStopsAnswering_thenItIsFailedOverLikeAnyWriter() {
        List<Member> after = List.of(reader("db-a", "available", "us-east-1a", 3L, 1),
                writer("db-c", "available", "us-east-1b"));
        AuroraObservation.LastFailover last = new AuroraObservation.LastFailover("db-c", T0.minus(Duration.ofHours(2)));

        Plan plan = plan(planner.decide(seen("available", after, DEAD, last)));

        assertEquals("db-a", plan.primary());
        assertEquals(2, plan.steps().size());
    }

    @Test
    void givenThePreviousTargetJustPromoted_whenRdsReportsItFailed_thenItIsFailedOverAgain() {
        List<Member> after = List.of(reader("db-a", "available", "us-east-1a", null, 1),
                writer("db-c", "failed", "us-east-1b"));
        AuroraObservation.LastFailover last = new AuroraObservation.LastFailover("db-c", T0.minusSeconds(30));

        assertEquals("db-a", plan(planner.decide(seen("available", after, List.of(), last))).primary());
    }

    @Test
    void givenAnotherWriterThanThePreviousTarget_whenHealthy_thenRefusedNotNoOp() {
        AuroraObservation.LastFailover last = new AuroraObservation.LastFailover("db-c", T0.minusSeconds(30));

        Decision decision = planner.decide(seen("available", cluster(10L, 20L), ALIVE, last));

        assertMentions(refusal(decision), "writer db-a of DB cluster db is not confirmed failed");
    }

    // --------------------------------------------------------------------------- bad input

    @Test
    void givenInconsistentInput_whenBuilt_thenRejectedWithAClearMessage() {
        assertRejected("cannot fail over from db-a to itself", () -> new Step.FailoverDbCluster("db", "db-a",
                "db-a"));
        assertRejected("replica lag of db-b must not be negative, was -1",
                () -> reader("db-b", "available", "us-east-1a", -1L, 1));
        assertRejected("status of DB instance db-b is missing (null)", () -> reader("db-b", null, null, null, 1));
        assertRejected("confirmation probes must be at least 1, was 0",
                () -> new AuroraPlanner("main", 0, Duration.ZERO));
        assertRejected("settle period must not be negative", () -> new AuroraPlanner("main", 1, Duration.ofSeconds(-1)));
        assertRejected("time of the observation is missing (null)",
                () -> new AuroraObservation("db", "available", List.of(), List.of(), null, null));
    }
}

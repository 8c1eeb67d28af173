package io.pgpilot.core;

import static io.pgpilot.core.PlanAssertions.NOTIFY;
import static io.pgpilot.core.PlanAssertions.assertReasonMentions;
import static io.pgpilot.core.PlanAssertions.assertSteps;
import static io.pgpilot.core.PlanAssertions.normalized;
import static io.pgpilot.core.PlanAssertions.notification;
import static io.pgpilot.core.PlanAssertions.plan;
import static io.pgpilot.core.PlanAssertions.publishHostsWithPrimary;
import static io.pgpilot.core.PlanAssertions.refusal;
import static io.pgpilot.core.PlanAssertions.retag;
import static io.pgpilot.core.SimulatedCluster.POLICY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.Step.Fence;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * At-least-once delivery and a workflow that can die between any two steps: the next run must do
 * exactly what is left, a run after completion nothing, and two writable nodes never lead to a
 * third promotion.
 */
class InterruptedTransitionTest {

    /** Steps whose effect no probe can see: they are redone until the retag records completion. */
    private static final List<Class<? extends Step>> UNOBSERVABLE = List.of(Step.TellPgpoolPrimary.class, Step.PublishHosts.class,
            Step.UpdateDnsRecord.class, Step.SetPgpoolBackends.class, Step.RebuildStandby.class, Step.Notify.class);

    static Stream<Arguments> interruptions() {
        Map<String, Supplier<SimulatedCluster>> scenarios = Map.of(
                "master crashes in the seed's chain", () -> SimulatedCluster.seedChain().crash("pg1"),
                "master crashes, pg3 must be re-pointed", () -> SimulatedCluster.star().crash("pg1"),
                "master's instance stopped", () -> SimulatedCluster.seedChain().stopInstance("pg1"),
                "cascading standby lost", () -> SimulatedCluster.seedChain().stopInstance("pg2"),
                "downstream standby lost", () -> SimulatedCluster.seedChain().stopInstance("pg3"));
        return scenarios.entrySet().stream().sorted(Map.Entry.comparingByKey()).flatMap(scenario -> {
            int steps = plan(scenario.getValue().get().decide()).steps().size();
            return IntStream.rangeClosed(0, steps)
                    .mapToObj(k -> Arguments.of(scenario.getKey(), scenario.getValue(), k));
        });
    }

    @ParameterizedTest(name = "{0}: the workflow died after step {2}")
    @MethodSource("interruptions")
    void givenWorkflowDiedAfterStepK_whenTheNextRunPlans_thenItCompletesWhatIsLeft(
            String scenario, Supplier<SimulatedCluster> setUp, int k) {
        SimulatedCluster cluster = setUp.get();
        List<Step> original = plan(cluster.decide()).steps();
        cluster.run(original.subList(0, k));

        Decision next = cluster.decide();
        cluster.run(plan(next).steps());
        Decision after = cluster.decide();

        List<Step> rest = new ArrayList<>();
        for (int i = resumeAt(original, k); i < original.size(); i++) {
            // Observable steps already done stay done; the unobservable ones are redone from the first done.
            if (i >= k || UNOBSERVABLE.contains(original.get(i).getClass())) {
                rest.add(original.get(i));
            }
        }
        assertEquals(normalized(rest), normalized(plan(next).steps()), next::reason);
        assertTrue(plan(after).isNoOp(), after::reason);
        SimulatedCluster uninterrupted = setUp.get();
        uninterrupted.run(original);
        assertEquals(uninterrupted.topology(), cluster.topology());
        assertEquals(plan(uninterrupted.decide()).primary(), plan(after).primary());
    }

    /**
     * Where the next run resumes: right after the last step done, except that once the unobservable
     * steps have begun, all of them are redone (they are idempotent).
     */
    private static int resumeAt(List<Step> original, int k) {
        if (k == original.size()) {
            return k;
        }
        for (int i = 0; i < k; i++) {
            if (UNOBSERVABLE.contains(original.get(i).getClass())) {
                return i;
            }
        }
        return k;
    }

    @Test
    void givenFailoverCompleted_whenTheSameEventArrivesAgain_thenNoOpReportingTheCurrentPrimary() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().stopInstance("pg1");
        cluster.run(plan(cluster.decide()).steps());

        Decision again = cluster.decide();

        assertTrue(plan(again).isNoOp());
        assertEquals("pg2", plan(again).primary());
        assertEquals("pg2 is the primary (timeline 2); nothing to do.", again.reason());
    }

    @Test
    void givenFailoverCompleted_whenOldPrimarysInstanceIsStartedAndComesBackWritable_thenItIsFenced() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().stopInstance("pg1");
        cluster.run(plan(cluster.decide()).steps());
        cluster.restart("pg1");

        Decision decision = cluster.decide();

        assertSteps(List.of(new Fence("pg1", Fence.How.STOP_POSTGRES), NOTIFY), decision);
        assertEquals("pg2", plan(decision).primary());
        assertReasonMentions(decision, "pg1 accepts writes too although it was taken out of service (timeline 1)");
        assertEquals("pgpilot lab: fenced pg1", notification(decision).subject());
    }

    @Test
    void givenWorkflowDiedAfterPromote_whenOldPrimaryComesBackWritable_thenSplitBrainKeepsTheNewerTimeline() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().stopInstance("pg1");
        List<Step> original = plan(cluster.decide()).steps();
        cluster.run(original.subList(0, 1));
        cluster.restart("pg1");

        Decision decision = cluster.decide();

        assertSteps(List.of(
                new Fence("pg1", Fence.How.STOP_POSTGRES),
                new Step.TellPgpoolPrimary("pg2"),
                new Step.SetSyncStandbys("pg2", List.of("pg3")),
                publishHostsWithPrimary(cluster.topology(), "pg2"),
                new Step.UpdateDnsRecord("pg-primary.lab.internal", "10.87.0.12"),
                new Step.SetPgpoolBackends("pg2", List.of("pg3")),
                new Step.RebuildStandby("pg1", "pg2"),
                NOTIFY,
                retag("pg1", Role.REBUILD, "pg2", Role.PRIMARY)), decision);
        assertReasonMentions(decision,
                "split brain: [pg1, pg2] all accept writes; keeping pg2, on the newest timeline 2",
                "promoting nothing");
    }

    @Test
    void givenSplitBrainFenceRan_whenTheNextRunCannotTellPostgresStoppedFromAPartition_thenItStopsTheInstanceToo() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().stopInstance("pg1");
        cluster.run(plan(cluster.decide()).steps().subList(0, 1));
        cluster.restart("pg1");
        cluster.run(plan(cluster.decide()).steps().subList(0, 1));

        Decision decision = cluster.decide();
        cluster.run(plan(decision).steps());

        assertEquals(new Fence("pg1", Fence.How.STOP_INSTANCE_UNAWAITED), plan(decision).steps().get(0));
        assertTrue(plan(cluster.decide()).isNoOp());
        assertEquals(1, cluster.executed().stream().filter(Step.Promote.class::isInstance).count());
    }

    @Test
    void givenTwoWritableNodesOnTheSameTimeline_whenOneIsTheTaggedPrimary_thenItIsKept() {
        SimulatedCluster cluster = SimulatedCluster.star();
        ClusterObservation observed = observation(cluster,
                NodeObservation.primary("pg1", Lsn.parse("0/4000000"), 2, List.of("pg2")),
                NodeObservation.primary("pg2", Lsn.parse("0/4000100"), 2, List.of()),
                NodeObservation.standby("pg3", Lsn.parse("0/3000000"), Lsn.parse("0/3000000"), 1,
                        WalReceiverStatus.STREAMING, "pg1"));

        Decision decision = new FailoverPlanner(POLICY).decide(cluster.topology(), observed);

        assertEquals(new Fence("pg2", Fence.How.STOP_POSTGRES), plan(decision).steps().get(0));
        assertEquals("pg1", plan(decision).primary());
        assertTrue(plan(decision).steps().stream().noneMatch(Step.Promote.class::isInstance));
        assertReasonMentions(decision, "keeping pg1, the tagged primary");
    }

    @Test
    void givenTwoWritableNodesOnTheSameTimeline_whenNeitherIsTheTaggedPrimary_thenRefusedRatherThanGuess() {
        SimulatedCluster cluster = SimulatedCluster.star();
        ClusterObservation observed = observation(cluster,
                NodeObservation.unreachable("pg1"),
                NodeObservation.primary("pg2", Lsn.parse("0/4000000"), 2, List.of()),
                NodeObservation.primary("pg3", Lsn.parse("0/4000100"), 2, List.of()));

        Decision decision = new FailoverPlanner(POLICY).decide(cluster.topology(), observed);

        assertReasonMentions(refusal(decision), "split brain: [pg2, pg3]", "cannot tell which history to keep");
    }

    @Test
    void givenSomeoneElsePromotedPg3_whenTheOldPrimaryOnlyLooksDown_thenItsInstanceIsStoppedAndTheRestFollowsPg3() {
        SimulatedCluster cluster = SimulatedCluster.star().blockProbe("pg1");
        cluster.promoteBehindOurBack("pg3");

        Decision decision = cluster.decide();

        assertSteps(List.of(
                new Fence("pg1", Fence.How.STOP_INSTANCE_UNAWAITED),
                new Step.TellPgpoolPrimary("pg3"),
                new Step.Repoint("pg2", "pg3"),
                new Step.SetSyncStandbys("pg3", List.of("pg2")),
                publishHostsWithPrimary(cluster.topology(), "pg3"),
                new Step.UpdateDnsRecord("pg-primary.lab.internal", "10.87.0.13"),
                new Step.SetPgpoolBackends("pg3", List.of("pg2")),
                new Step.RebuildStandby("pg1", "pg3"),
                NOTIFY,
                retag("pg1", Role.REBUILD, "pg3", Role.PRIMARY)), decision);
        assertReasonMentions(decision, "pg3 already accepts writes (timeline 2) while pg1 is tagged primary",
                "pg1 does not answer and its instance is running: stopping it");
    }

    @Test
    void givenSwitchoverDemotedPg1UnderPg2_whenTagsStillNamePg1_thenTheTransitionIsRecordedWithoutFencing() {
        SimulatedCluster cluster = SimulatedCluster.seedChain();
        cluster.promoteBehindOurBack("pg2");
        cluster.rebuild("pg1", "pg2");

        Decision decision = cluster.decide();

        assertSteps(List.of(
                new Step.TellPgpoolPrimary("pg2"),
                new Step.SetSyncStandbys("pg2", List.of("pg1", "pg3")),
                publishHostsWithPrimary(cluster.topology(), "pg2"),
                new Step.UpdateDnsRecord("pg-primary.lab.internal", "10.87.0.12"),
                new Step.SetPgpoolBackends("pg2", List.of("pg1", "pg3")),
                NOTIFY,
                retag("pg1", Role.STANDBY, "pg2", Role.PRIMARY)), decision);
    }

    @Test
    void givenPrimaryTaggedRebuildComesBackWritable_whenTheTaggedPrimaryIsNotConfirmedDown_thenOnlyTheRogueIsFenced() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().stopInstance("pg1");
        cluster.run(plan(cluster.decide()).steps());
        cluster.restart("pg1").blockProbe("pg2");
        ClusterObservation observed = cluster.observe(3);

        Decision decision = new FailoverPlanner(POLICY).decide(cluster.topology(), observed);

        assertSteps(List.of(new Fence("pg1", Fence.How.STOP_POSTGRES), NOTIFY), decision);
        assertEquals("pg2", plan(decision).primary());
        assertReasonMentions(decision, "pg1 accepts writes although it was taken out of service",
                "no failover of pg2: pg3's WAL receiver was streaming from pg2");
    }

    @Test
    void givenPrimaryTaggedRebuildComesBackWritable_whenTheTaggedPrimaryHasFailed_thenFencedAndAStandbyPromoted() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().stopInstance("pg1");
        cluster.run(plan(cluster.decide()).steps());
        cluster.restart("pg1").stopInstance("pg2");

        Decision decision = cluster.decide();

        List<Step> steps = plan(decision).steps();
        assertEquals(List.of(new Fence("pg1", Fence.How.STOP_POSTGRES), new Step.Promote("pg3")), steps.subList(0, 2));
        assertEquals("pg3", plan(decision).primary());
    }

    private static ClusterObservation observation(SimulatedCluster cluster, NodeObservation... nodes) {
        List<ProbeRound> rounds = new ArrayList<>();
        for (int i = 0; i < POLICY.confirmationProbes(); i++) {
            rounds.add(new ProbeRound(SimulatedCluster.T0.plusSeconds(i), List.of(nodes)));
        }
        return cluster.observation(rounds);
    }
}

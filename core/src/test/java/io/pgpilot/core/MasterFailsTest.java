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
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.Step.Fence;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The seed's "The Master fails": confirmation, choice of the standby, the RPO guard and the order of the steps. */
class MasterFailsTest {

    private static final FailoverPolicy ASYNCHRONOUS = POLICY.with(FailoverPolicy.Replication.ASYNCHRONOUS);

    @Test
    void givenSeedChain_whenMasterCrashes_thenSyncStandbyIsPromotedAfterFencingAndDownstreamFollowsByItself() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().at("pg3", "0/3000000").crash("pg1");

        Decision decision = cluster.decide();

        Topology topology = cluster.topology();
        assertSteps(List.of(
                new Fence("pg1", Fence.How.STOP_INSTANCE_UNAWAITED),
                new Step.Promote("pg2"),
                new Step.TellPgpoolPrimary("pg2"),
                new Step.SetSyncStandbys("pg2", List.of("pg3")),
                publishHostsWithPrimary(topology, "pg2"),
                new Step.UpdateDnsRecord("pg-primary.lab.internal", "10.87.0.12"),
                new Step.SetPgpoolBackends("pg2", List.of("pg3")),
                new Step.RebuildStandby("pg1", "pg2"),
                NOTIFY,
                retag("pg1", Role.REBUILD, "pg2", Role.PRIMARY)), decision);
        assertEquals("pg2", plan(decision).primary());
        assertReasonMentions(decision, "pg1 has failed: unreachable in all 3 probe rounds over 2.0 s",
                "no standby streamed from it", "promoting pg2", "fencing pg1 first by stopping its instance",
                "pg3 already streams from pg2 and follows its new timeline by itself");
        assertEquals("pgpilot lab: failover from pg1 to pg2", notification(decision).subject());
        assertEquals(decision.reason(), notification(decision).message());
    }

    @Test
    void givenFailover_whenPlanned_thenTagsAreRewrittenLastWithTheDemotionBeforeThePromotion() {
        Plan plan = plan(SimulatedCluster.seedChain().crash("pg1").decide());

        Step last = plan.steps().get(plan.steps().size() - 1);

        Step.RetagInstances retag = (Step.RetagInstances) last;
        assertEquals(List.of("pg1", "pg2"), List.copyOf(retag.roles().keySet()));
    }

    @Test
    void givenFailover_whenHostsArePublished_thenPgPrimaryNamesTheNewPrimaryAndOtherHostsStay() {
        Plan plan = plan(SimulatedCluster.seedChain().crash("pg1").decide());

        Step.PublishHosts hosts = plan.steps().stream().filter(Step.PublishHosts.class::isInstance)
                .map(Step.PublishHosts.class::cast).findFirst().orElseThrow();

        assertEquals("10.87.0.12", hosts.hosts().get("pg-primary"));
        assertEquals(List.of("pg1", "pg2", "pg3", "pgpool1", "app1", "pg-primary"),
                List.copyOf(hosts.hosts().keySet()));
    }

    @Test
    void givenNoDnsZone_whenFailingOver_thenNoRoute53Step() {
        FailoverPolicy noZone = new FailoverPolicy(3, 1024 * 1024, false, null);

        Plan plan = plan(SimulatedCluster.seedChain().crash("pg1").decide(noZone));

        assertTrue(plan.steps().stream().noneMatch(Step.UpdateDnsRecord.class::isInstance));
    }

    @Test
    void givenStarTopology_whenAsyncStandbyIsAheadOfSyncOne_thenHighestReceivedPositionWinsAndTheReasonSaysWhy() {
        SimulatedCluster cluster = SimulatedCluster.star()
                .at("pg1", "0/3000260").at("pg2", "0/3000060").at("pg3", "0/3000260").crash("pg1");

        Decision decision = cluster.decide();

        assertSteps(List.of(
                new Fence("pg1", Fence.How.STOP_INSTANCE_UNAWAITED),
                new Step.Promote("pg3"),
                new Step.TellPgpoolPrimary("pg3"),
                new Step.Repoint("pg2", "pg3"),
                new Step.SetSyncStandbys("pg3", List.of("pg2")),
                publishHostsWithPrimary(cluster.topology(), "pg3"),
                new Step.UpdateDnsRecord("pg-primary.lab.internal", "10.87.0.13"),
                new Step.SetPgpoolBackends("pg3", List.of("pg2")),
                new Step.RebuildStandby("pg1", "pg3"),
                NOTIFY,
                retag("pg1", Role.REBUILD, "pg3", Role.PRIMARY)), decision);
        assertReasonMentions(decision, "promoting pg3",
                "pg3 0/3000260 on timeline 1, pg2 0/3000060 on timeline 1 (synchronous)",
                "512 bytes ahead of the synchronous standby pg2", "loses the least data",
                "re-pointing pg2 to pg3 (it streams from pg1)");
    }

    @Test
    void givenStarTopology_whenStandbysHaveReceivedTheSame_thenTheSynchronousOneIsPreferred() {
        SimulatedCluster cluster = SimulatedCluster.star().crash("pg1");

        Decision decision = cluster.decide();

        assertEquals(new Step.Promote("pg2"), plan(decision).steps().get(1));
        assertEquals(new Step.TellPgpoolPrimary("pg2"), plan(decision).steps().get(2));
        assertEquals(new Step.Repoint("pg3", "pg2"), plan(decision).steps().get(3));
        assertReasonMentions(decision,
                "pg3 has received as much, and the synchronous standby is preferred among equals");
    }

    @Test
    void givenTheRecordShowsAnotherStandbyWasSynchronous_whenTied_thenThatOneWinsOverTheTaggedOne() {
        // After a switchover the pgpilot:sync tag stays where it was; what the primary waited for is recorded.
        SimulatedCluster cluster = SimulatedCluster.star().syncOn("pg1", "pg3", "pg2");
        cluster.observe(3);
        cluster.crash("pg1");

        Decision decision = cluster.decide();

        assertEquals(new Step.Promote("pg3"), plan(decision).steps().get(1));
        assertReasonMentions(decision, "pg3 0/3000060 on timeline 1 (synchronous), pg2 0/3000060 on timeline 1",
                "pg2 has received as much, and the synchronous standby is preferred among equals");
    }

    @Test
    void givenSyncStandbyReceivedMoreThanItReplayed_whenChoosing_thenTheReceivedPositionCounts() {
        SimulatedCluster cluster = SimulatedCluster.star()
                .received("pg2", "0/3000100", "0/3000000").at("pg3", "0/3000080").crash("pg1");

        Decision decision = cluster.decide();

        assertEquals(new Step.Promote("pg2"), plan(decision).steps().get(1));
    }

    @Test
    void givenAsynchronousCandidateBeyondRpoGuard_whenNotForced_thenRefusedWithTheGapAndHowToProceed() {
        SimulatedCluster cluster = SimulatedCluster.star().at("pg2", "0/2000000").at("pg3", "0/2000000").crash("pg1");

        Decision decision = new FailoverPlanner(ASYNCHRONOUS)
                .decide(cluster.topology(), withPrimaryLsn(cluster, "0/3000000"));

        assertReasonMentions(refusal(decision), "pg1 has failed", "refusing to promote pg2",
                "16777216 bytes behind the best known position 0/3000000",
                "the primary pg1's position recorded at 2026-03-01T03:00:00Z", "RPO guard of 1048576 bytes",
                "run again with force");
        assertEquals(List.of("failover-refused:pg1"), decision.alerts().stream().map(Alert::key).toList(),
                "a confirmed failure left unhandled is an alert for an operator");
    }

    @Test
    void givenSynchronousStandbyBehindThePrimarysRecordedPosition_whenFailingOver_thenThatUnconfirmedWalIsNoLoss() {
        SimulatedCluster cluster = SimulatedCluster.star().at("pg2", "0/2000000").at("pg3", "0/2000000").crash("pg1");

        Decision decision = new FailoverPlanner(POLICY)
                .decide(cluster.topology(), withPrimaryLsn(cluster, "0/3000000"));

        assertEquals(new Step.Promote("pg2"), plan(decision).steps().get(1));
        assertReasonMentions(decision, "pg2 holds every acknowledged commit",
                "pg2 is 0 bytes behind the best known position 0/2000000");
    }

    @Test
    void givenNoEarlierPrimaryPosition_whenStandbysAgree_thenTheyAreTheBestKnownPositionAndNothingIsLost() {
        SimulatedCluster cluster = SimulatedCluster.star().at("pg2", "0/2000000").at("pg3", "0/2000000").crash("pg1");

        Decision decision = cluster.decide();

        assertReasonMentions(plan(decision), "pg2 is 0 bytes behind the best known position 0/2000000");
    }

    @Test
    void givenAsynchronousCandidateBeyondRpoGuard_whenForced_thenPromotedAndTheLossIsStated() {
        SimulatedCluster cluster = SimulatedCluster.star().at("pg2", "0/2000000").at("pg3", "0/2000000").crash("pg1");

        Decision decision = new FailoverPlanner(ASYNCHRONOUS.forced())
                .decide(cluster.topology(), withPrimaryLsn(cluster, "0/3000000"));

        assertEquals(new Step.Promote("pg2"), plan(decision).steps().get(1));
        assertReasonMentions(decision, "FORCED: pg2 is 16777216 bytes behind", "that WAL is lost");
    }

    @Test
    void givenAStandbySeenAheadInAnEarlierRound_whenTheBestAnsweringStandbyIsFarBehind_thenRefusedInEitherMode() {
        SimulatedCluster cluster = SimulatedCluster.star().at("pg2", "0/5000000").at("pg3", "0/3000000").crash("pg1");
        List<ProbeRound> rounds = new ArrayList<>();
        rounds.add(cluster.round());
        cluster.crash("pg2");
        rounds.add(cluster.round());
        rounds.add(cluster.round());

        Decision synchronous = new FailoverPlanner(POLICY).decide(cluster.topology(), cluster.observation(rounds));
        Decision asynchronous = new FailoverPlanner(ASYNCHRONOUS).decide(cluster.topology(),
                cluster.observation(rounds));

        assertReasonMentions(refusal(synchronous), "refusing to promote pg3",
                "pg2 does not answer, so it may hold acknowledged commits that pg3 lacks");
        assertReasonMentions(refusal(asynchronous), "refusing to promote pg3",
                "pg2's position at 2026-03-01T03:00:00Z");
    }

    @Test
    void givenAsynchronousCandidateWithinRpoGuard_whenPlanned_thenTheLagIsReported() {
        SimulatedCluster cluster = SimulatedCluster.star().at("pg2", "0/2FFFF00").at("pg3", "0/2FFFF00").crash("pg1");

        Decision decision = new FailoverPlanner(ASYNCHRONOUS)
                .decide(cluster.topology(), withPrimaryLsn(cluster, "0/3000000"));

        assertReasonMentions(plan(decision), "pg2 is 256 bytes behind the best known position 0/3000000",
                "within the RPO guard of 1048576 bytes");
    }

    @Test
    void givenProbePathPartition_whenPrimaryIsUnreachableButPg2StillStreamsFromIt_thenRefused() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().blockProbe("pg1");

        Decision decision = cluster.decide();

        assertReasonMentions(refusal(decision), "no failover of pg1", "pg2's WAL receiver was streaming from pg1",
                "only the probe path to it is broken");
    }

    @Test
    void givenFlappingPrimary_whenUnreachableInOnlySomeRounds_thenRefused() {
        SimulatedCluster cluster = SimulatedCluster.seedChain();
        List<ProbeRound> rounds = new ArrayList<>();
        cluster.crash("pg1");
        rounds.add(cluster.round());
        cluster.restart("pg1");
        rounds.add(cluster.round());
        cluster.crash("pg1");
        rounds.add(cluster.round());

        Decision decision = new FailoverPlanner(POLICY).decide(cluster.topology(), cluster.observation(rounds));

        assertReasonMentions(refusal(decision), "no failover of pg1: it answered in 1 of 3 probe rounds",
                "not confirmed");
    }

    @Test
    void givenFewerProbeRoundsThanPolicyRequires_whenPrimaryIsUnreachable_thenRefused() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().crash("pg1");

        Decision decision = new FailoverPlanner(POLICY).decide(cluster.topology(), cluster.observe(2));

        assertReasonMentions(refusal(decision), "no failover of pg1: unreachable in 2 probe rounds, but 3 are needed");
    }

    @Test
    void givenEc2ReportsPrimaryStopped_whenProbedOnce_thenFailoverIsConfirmedAtOnceAndNothingIsFenced() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().stopInstance("pg1");

        Decision decision = new FailoverPlanner(POLICY).decide(cluster.topology(), cluster.observe(1));

        List<Step> steps = plan(decision).steps();
        assertEquals(new Step.Promote("pg2"), steps.get(0));
        assertTrue(steps.stream().noneMatch(Fence.class::isInstance));
        assertReasonMentions(decision, "EC2 reports its instance stopped",
                "nothing to fence: the instance of pg1 is stopped");
    }

    @Test
    void givenEc2ReportsPrimaryTerminated_whenPlanned_thenPromotedWithoutFence() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().ec2("pg1", Ec2State.TERMINATED);

        Decision decision = new FailoverPlanner(POLICY).decide(cluster.topology(), cluster.observe(1));

        assertEquals(new Step.Promote("pg2"), plan(decision).steps().get(0));
    }

    @Test
    void givenEc2ReportsPrimaryStopping_whenPlanned_thenItIsFencedBeforeThePromotion() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().ec2("pg1", Ec2State.STOPPING);

        Decision decision = new FailoverPlanner(POLICY).decide(cluster.topology(), cluster.observe(1));

        assertEquals(List.of(new Fence("pg1", Fence.How.STOP_INSTANCE_UNAWAITED), new Step.Promote("pg2")),
                plan(decision).steps().subList(0, 2));
        assertReasonMentions(decision, "EC2 reports its instance stopping", "(EC2 state stopping)");
    }

    @Test
    void givenPrimaryStoppingWithASecondSynchronousStandbyStillStreaming_whenPlanned_thenThePromotionWaitsForStopped() {
        // pg1 could still have commits confirmed by pg3 after pg2's promotion, until its instance has stopped.
        SimulatedCluster cluster = SimulatedCluster.star().syncOn("pg1", "pg2", "pg3").blockProbe("pg1")
                .ec2("pg1", Ec2State.STOPPING);

        Decision decision = new FailoverPlanner(POLICY).decide(cluster.topology(), cluster.observe(3));

        assertEquals(List.of(new Fence("pg1", Fence.How.STOP_INSTANCE), new Step.Promote("pg2")),
                plan(decision).steps().subList(0, 2));
        assertReasonMentions(decision, "promoting only once EC2 reports it stopped: pg3 still streams from it and"
                + " could confirm its commits until then");
    }

    @Test
    void givenEc2StateUnknown_whenPrimaryIsUnreachableInEveryRound_thenTheInstanceIsStopped() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().crash("pg1");
        ClusterObservation observed = cluster.observe(3);
        ClusterObservation noEc2 = new ClusterObservation(observed.rounds(), java.util.Map.of(), null);

        Decision decision = new FailoverPlanner(POLICY).decide(cluster.topology(), noEc2);

        assertEquals(new Fence("pg1", Fence.How.STOP_INSTANCE_UNAWAITED), plan(decision).steps().get(0));
        assertReasonMentions(decision, "(EC2 state unknown)");
    }

    @Test
    void givenMasterAndCascadingStandbyDown_whenOnlyTheDownstreamAnswers_thenNothingIsPromotedAndTheReasonSaysWhy() {
        // pg2, the synchronous standby, may hold commits pg1 acknowledged that never reached pg3.
        SimulatedCluster cluster = SimulatedCluster.seedChain().syncOn("pg3", "pg2")
                .stopInstance("pg1").stopInstance("pg2");

        Decision decision = cluster.decide();

        assertReasonMentions(refusal(decision), "pg1 has failed: EC2 reports its instance stopped",
                "refusing to promote pg3", "pg2 does not answer, so it may hold acknowledged commits that pg3 lacks",
                "bring back the path to pg2", "run with force to promote pg3");
        assertEquals(List.of("failover-refused:pg1"), decision.alerts().stream().map(Alert::key).toList());
    }

    @Test
    void givenMasterAndCascadingStandbyDownWithAsynchronousReplication_whenOnlyTheDownstreamAnswers_thenItIsPromoted() {
        // Like the seed's standbys, pg3 carries the primary's settings, synchronous_standby_names included.
        SimulatedCluster cluster = SimulatedCluster.seedChain().syncOn("pg3", "pg2")
                .stopInstance("pg1").stopInstance("pg2");

        Decision decision = cluster.decide(ASYNCHRONOUS);

        assertSteps(List.of(
                new Step.Promote("pg3"),
                new Step.TellPgpoolPrimary("pg3"),
                new Step.SetSyncStandbys("pg3", List.of()),
                publishHostsWithPrimary(cluster.topology(), "pg3"),
                new Step.UpdateDnsRecord("pg-primary.lab.internal", "10.87.0.13"),
                new Step.SetPgpoolBackends("pg3", List.of()),
                new Step.RebuildStandby("pg1", "pg3"),
                new Step.RebuildStandby("pg2", "pg3"),
                NOTIFY,
                retag("pg1", Role.REBUILD, "pg2", Role.REBUILD, "pg3", Role.PRIMARY)), decision);
        assertReasonMentions(decision, "pg2 is lost", "making pg3 asynchronous");
    }

    @Test
    void givenMasterAndCascadingStandbyDown_whenForced_thenTheDownstreamIsPromotedAndTheLossIsStated() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().stopInstance("pg1").stopInstance("pg2");

        Decision decision = cluster.decide(POLICY.forced());

        assertEquals(new Step.Promote("pg3"), plan(decision).steps().get(0));
        assertReasonMentions(decision, "FORCED: pg3 is not known to hold every acknowledged commit",
                "how much WAL that loses is not known");
    }

    @Test
    void givenNoStandbyAnswers_whenPrimaryFailed_thenRefusedBecauseNothingCanBePromoted() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().stopInstance("pg1").crash("pg2").crash("pg3");

        Decision decision = cluster.decide();

        assertReasonMentions(refusal(decision), "pg1 has failed", "no standby in service answers");
    }

    @Test
    void givenOnlyAStandbyTaggedRebuildAnswers_whenPrimaryFailed_thenItIsNotPromoted() {
        SimulatedCluster cluster = SimulatedCluster.seedChain().crash("pg2");
        cluster.apply(retag("pg2", Role.REBUILD));
        cluster.stopInstance("pg1").crash("pg3").restart("pg2");

        Decision decision = cluster.decide();

        assertReasonMentions(refusal(decision), "no standby in service answers");
    }

    @Test
    void givenPrimaryAnswersReadOnly_whenNoNodeAcceptsWrites_thenRefusedAsAnUnfinishedDemotion() {
        SimulatedCluster cluster = SimulatedCluster.seedChain();
        cluster.rebuild("pg1", "pg2");

        Decision decision = cluster.decide();

        assertReasonMentions(refusal(decision), "pg1 answers but is in recovery", "promotes nothing");
    }

    @Test
    void givenHealthyChain_whenPlanned_thenNoOpReportsThePrimary() {
        Decision decision = SimulatedCluster.seedChain().decide();

        Plan plan = plan(decision);
        assertTrue(plan.isNoOp());
        assertEquals("pg1", plan.primary());
        assertEquals("pg1 is the primary (timeline 1); nothing to do.", plan.reason());
    }

    /** The observation, with the primary's position as an earlier invocation recorded it. */
    private static ClusterObservation withPrimaryLsn(SimulatedCluster cluster, String lsn) {
        ClusterObservation observed = cluster.observe(3);
        // As the monitor last saw pg1, before the fault: its synchronous standby pg2.
        PrimaryRecord record = new PrimaryRecord("lab", "pg1", SimulatedCluster.SYSTEM_ID, 1, Lsn.parse(lsn),
                List.of("pg2"), java.util.Map.of(), SimulatedCluster.T0);
        return new ClusterObservation(observed.rounds(), observed.ec2States(), record);
    }
}

package io.pgpilot.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.Ec2State;
import io.pgpilot.core.ports.Lease;
import io.pgpilot.ec2.Ec2StepExecutor;
import io.pgpilot.fakes.FakeCluster;
import io.pgpilot.fakes.FakeServices;
import io.pgpilot.fakes.Fixture;
import io.pgpilot.runner.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A failover run: lease, order of steps, repeats, failures, records. The planner is the real one. */
class FailoverRunTest {

    private final Fixture fixture = Fixture.seedChain();
    private final FakeCluster lab = fixture.lab;

    private Outcome run() {
        return fixture.automation.onAlarm("evt-" + System.nanoTime(), "pgpilot-lab-primary-health", "ALARM", "req-1");
    }

    private void stopInstance(String node) {
        lab.host(node).ec2 = Ec2State.STOPPED;
        lab.host(node).postgresUp = false;
    }

    @Test
    void givenPrimaryInstanceStopped_whenARunFailsOver_thenPg2IsPromotedAndEverythingFollowsInOrder() {
        stopInstance("pg1");

        Outcome outcome = run();

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertEquals("pg2", outcome.primary());
        assertEquals(List.of(
                "pgpilot-PgpoolBackends [pgpool1]",
                "pgpilot-PromoteStandby [pg2]",
                "pgpilot-ConfigurePrimary [pg2]",
                "pgpilot-UpdateHosts [pg2, pg3, pgpool1, app1]",
                "pgpilot-PgpoolBackends [pgpool1]",
                "retag pg1=rebuild,pg2=primary"), lab.journal);
        assertEquals(1, fixture.services.notices.size());
        assertEquals("pgpilot lab: failover from pg1 to pg2", fixture.services.notices.get(0).subject());
        assertTrue(fixture.services.notices.get(0).message().contains(
                "rebuild of pg1 from pg2 deferred until the instance runs (EC2 state stopped)"),
                fixture.services.notices.get(0)::message);
        assertEquals(List.of("detection", "decision", "promote", "routing", "repoint", "completion", "total"),
                List.copyOf(outcome.phaseMillis().keySet()));
        assertEquals(8, outcome.steps().size());
        assertTrue(outcome.steps().get(0).startsWith("Promote[node=pg2]: DONE: pg2 accepts writes on timeline 2"),
                outcome.steps().get(0));
        assertTrue(outcome.steps().get(1).startsWith("TellPgpoolPrimary[primary=pg2]: DONE"), outcome.steps().get(1));
        assertEquals("completed", fixture.services.history.get(0).outcome());
        assertEquals(1, fixture.services.phases.size());
        assertEquals(Optional.empty(), fixture.services.holder("lab", fixture.clock.instant()), "lease released");
        assertEquals(1, lab.describes, "one DescribeInstances per run: later steps see what earlier ones changed");
        assertEquals(3, lab.probes - 3, "one round (EC2 confirms at once), then a verifying probe per step"
                + " that can be seen, and one of the primary before its synchronous standbys change");
    }

    @Test
    void givenPrimaryCrashedWithItsInstanceRunning_whenConfirmed_thenItsInstanceIsStoppedBeforeThePromotion() {
        lab.host("pg1").postgresUp = false;

        Outcome outcome = run();

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertEquals("stop pg1 (force)", lab.journal.get(0));
        assertEquals("pgpilot-PgpoolBackends [pgpool1]", lab.journal.get(1), "pgpool's tell, sent with the promotion");
        assertEquals("pgpilot-PromoteStandby [pg2]", lab.journal.get(2));
        assertTrue(outcome.reason().contains("unreachable in all 3 probe rounds over 1.0 s"), outcome::reason);
        assertEquals(List.of("detection", "decision", "fence", "promote", "routing", "repoint", "completion", "total"),
                List.copyOf(outcome.phaseMillis().keySet()));
        assertEquals(1000, outcome.phaseMillis().get("detection"), "3 rounds 500 ms apart on the injected clock");
    }

    @Test
    void givenCompletedFailover_whenTheSameHappensAgain_thenNoOpReportingTheCurrentPrimary() {
        stopInstance("pg1");
        run();
        int commands = lab.sent.size();

        Outcome again = run();

        assertEquals(Outcome.Action.NO_OP, again.action(), again::reason);
        assertEquals("pg2", again.primary());
        assertTrue(again.reason().startsWith("pg2 is the primary (timeline 2)"), again::reason);
        assertEquals(commands, lab.sent.size());
        assertEquals(1, fixture.services.notices.size());
    }

    @Test
    void givenLeaseHeldByAnotherRun_whenWorkflowRuns_thenItDoesNothingAndSaysWhoHoldsIt() {
        stopInstance("pg1");
        Lease other = fixture.services.tryAcquire("lab", "req-other", Duration.ofMinutes(3), fixture.clock.instant())
                .orElseThrow();

        Outcome outcome = run();

        assertEquals(Outcome.Action.LEASE_HELD, outcome.action());
        assertTrue(outcome.reason().startsWith("another run holds the lease of cluster lab: req-other (epoch 1"),
                outcome::reason);
        assertEquals(List.of(), lab.journal);
        assertEquals(0, lab.probes, "not even observed");
        assertEquals(Optional.of(other), fixture.services.holder("lab", fixture.clock.instant()));
    }

    @Test
    void givenARunKilledWithTheLeaseHeld_whenTheNextTriggerComes_thenItRecordsAndNotifiesTheCutOffRunAndFinishesTheWork() {
        stopInstance("pg1");
        fixture.services.tryAcquire("lab", "req-killed", Duration.ofMinutes(3), fixture.clock.instant()).orElseThrow();
        fixture.clock.advance(Duration.ofMinutes(3));

        Outcome outcome = run();

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertEquals("pg2", outcome.primary());
        assertEquals("cut off", fixture.services.history.get(0).outcome());
        assertTrue(fixture.services.history.get(0).reason().startsWith("the run of req-killed (lease epoch 1) was cut"
                + " off"), fixture.services.history.get(0)::reason);
        assertEquals("pgpilot lab: a run was cut off", fixture.services.notices.get(0).subject());
        assertEquals("completed", fixture.services.history.get(1).outcome());
    }

    @Test
    void givenPromotionFails_whenWorkflowRuns_thenItStopsThereNamesStepAndStderrNotifiesAndReleasesTheLease() {
        stopInstance("pg1");
        lab.failNext(Ec2StepExecutor.PROMOTE_STANDBY, "PromoteStandby 15/pg2: still in recovery after 60s");

        Outcome outcome = run();

        assertEquals(Outcome.Action.FAILED, outcome.action());
        assertTrue(outcome.reason().startsWith("step 1 of 8 failed: Promote[node=pg2] failed: pgpilot-PromoteStandby on"
                + " pg2"), outcome::reason);
        assertTrue(outcome.reason().contains("PromoteStandby 15/pg2: still in recovery after 60s"), outcome::reason);
        assertEquals(List.of("pgpilot-PgpoolBackends [pgpool1]", "pgpilot-PromoteStandby [pg2]"), lab.journal,
                "pgpool's tell is sent with the promotion: it waits for a primary, and does nothing without one");
        assertTrue(fixture.services.notices.get(0).subject().startsWith("pgpilot lab: FAILED: step 1 of 8"));
        assertEquals("failed", fixture.services.history.get(0).outcome());
        assertEquals(Optional.empty(), fixture.services.holder("lab", fixture.clock.instant()));
        assertTrue(fixture.log().contains("\"event\":\"failed\""), fixture::log);
    }

    @Test
    void givenLeaseLostMidRun_whenTheNextStepComes_thenTheRunStopsBeforeIt() {
        stopInstance("pg1");
        fixture.services.renewalsBeforeLoss = 2;

        Outcome outcome = run();

        assertEquals(Outcome.Action.FAILED, outcome.action());
        assertTrue(outcome.reason().contains("step 3 of 8 failed")
                && outcome.reason().contains("lost the cluster lease"), outcome::reason);
        assertEquals(List.of("pgpilot-PgpoolBackends [pgpool1]", "pgpilot-PromoteStandby [pg2]"), lab.journal);
    }

    @Test
    void givenAHostThatMissesTheHostsMapOnce_whenFailedOver_thenItGetsItOnTheRetryAndNothingIsReported() {
        stopInstance("pg1");
        lab.undelivered(Ec2StepExecutor.UPDATE_HOSTS, "app1", 1);

        Outcome outcome = run();

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertEquals(List.of("pgpilot-PgpoolBackends [pgpool1]", "pgpilot-PromoteStandby [pg2]",
                "pgpilot-ConfigurePrimary [pg2]", "pgpilot-UpdateHosts [pg2, pg3, pgpool1, app1]",
                "pgpilot-UpdateHosts [app1]", "pgpilot-PgpoolBackends [pgpool1]", "retag pg1=rebuild,pg2=primary"),
                lab.journal);
        assertEquals(1, fixture.services.notices.size(), "the failover's own notification only");
    }

    @Test
    void givenAHostWhoseAgentNeverAnswers_whenFailedOver_thenTheFailoverCompletesAndTheNotificationNamesIt() {
        stopInstance("pg1");
        lab.undelivered(Ec2StepExecutor.UPDATE_HOSTS, "app1", Integer.MAX_VALUE);

        Outcome outcome = run();

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertEquals("primary", lab.host("pg2").tags.get("pgpilot:role"), "the transition is recorded");
        assertTrue(lab.journal.contains("pgpilot-PgpoolBackends [pgpool1]"), "pgpool still follows the new primary");
        String notUpdated = "hosts not updated: app1 (" + lab.id("app1") + ": SSM command cmd-5 ended TimedOut"
                + " (Delivery Timed Out))";
        FakeServices.Notice told = fixture.services.notices.get(1);
        assertEquals("pgpilot lab: not done in this run", told.subject());
        assertTrue(told.message().contains(notUpdated), told::message);
        assertTrue(fixture.services.history.get(0).steps().stream()
                .anyMatch(step -> step.startsWith("PublishHosts") && step.contains(": PARTIAL: ")
                        && step.contains(notUpdated)), () -> fixture.services.history.get(0).steps().toString());
        assertTrue(fixture.log().contains("\"level\":\"WARN\",\"event\":\"step\"") && fixture.log().contains(notUpdated),
                fixture::log);
    }

    /** Not one host but SSM or the document is broken: the run fails, and the tags, unchanged, make the next run publish again. */
    @Test
    void givenNoHostTakingTheHostsMap_whenFailedOver_thenTheRunFailsBeforeTheRetagAndTheNextRunPublishesAgain() {
        stopInstance("pg1");
        for (String host : List.of("pg2", "pg3", "pgpool1", "app1")) {
            lab.undelivered(Ec2StepExecutor.UPDATE_HOSTS, host, 1 + Ec2StepExecutor.HOSTS_RETRIES);
        }

        Outcome failed = run();

        assertEquals(Outcome.Action.FAILED, failed.action(), failed::reason);
        assertTrue(failed.reason().contains("no host took the hosts map"), failed::reason);
        assertEquals("primary", lab.host("pg1").tags.get("pgpilot:role"), "the transition is not recorded as done");

        Outcome next = run();

        assertEquals(Outcome.Action.COMPLETED, next.action(), next::reason);
        assertEquals("primary", lab.host("pg2").tags.get("pgpilot:role"));
        assertEquals("pgpilot-UpdateHosts [pg2, pg3, pgpool1, app1]", lab.journal.get(lab.journal.size() - 3));
    }

    @Test
    void givenNoStandbyAnswers_whenPrimaryFails_thenRefusedWithTheReasonNotifiedAndNothingDone() {
        stopInstance("pg1");
        lab.host("pg2").postgresUp = false;
        lab.host("pg3").postgresUp = false;

        Outcome outcome = run();

        assertEquals(Outcome.Action.REFUSED, outcome.action());
        assertTrue(outcome.reason().contains("no standby in service answers"), outcome::reason);
        assertEquals(List.of(), lab.journal);
        assertEquals("refused", fixture.services.history.get(0).outcome());
        assertTrue(fixture.services.notices.get(0).subject().startsWith("pgpilot lab: no action: pg1 has failed"));
        assertTrue(fixture.log().contains("\"decision\":\"refusal\""), fixture::log);
    }

    @Test
    void givenHealthyCluster_whenAnAlarmFires_thenTheProbesConfirmNothingAndNothingIsDone() {
        Outcome outcome = run();

        assertEquals(Outcome.Action.NO_OP, outcome.action());
        assertEquals("pg1", outcome.primary());
        assertEquals(List.of(), lab.journal);
        assertFalse(fixture.log().contains("secret"), "nothing about secrets is logged");
    }

    @Test
    void givenCascadingStandbyStopped_whenWorkflowRuns_thenDownstreamFollowsThePrimaryAndWritesNeverWaitForIt() {
        stopInstance("pg2");

        Outcome outcome = run();

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertEquals("pg1", outcome.primary());
        assertEquals(List.of("pgpilot-RepointStandby [pg3]", "pgpilot-ConfigurePrimary [pg1]",
                "pgpilot-PgpoolBackends [pgpool1]", "retag pg2=rebuild"), lab.journal);
        assertEquals(List.of("pg3"), lab.host("pg1").sync);
        assertEquals("pg1", lab.host("pg3").upstream);
    }

    @Test
    void givenInvalidTags_whenWorkflowRuns_thenFailedWithAClearErrorAndNothingDone() {
        lab.host("pg2").tags.put("pgpilot:role", "primary");

        Outcome outcome = run();

        assertEquals(Outcome.Action.FAILED, outcome.action());
        assertTrue(outcome.reason().contains("the tags of cluster lab do not form a valid cluster")
                && outcome.reason().contains("are all tagged primary"), outcome::reason);
        assertEquals(List.of(), lab.journal);
    }

    @Test
    void givenAsynchronousReplicationMode_whenPrimaryInstanceStops_thenTheFailoverMakesNoStandbySynchronous() {
        Fixture async = new Fixture(FakeCluster.seedChain(), Map.of("PGPILOT_REPLICATION_MODE", "asynchronous"));
        async.lab.host("pg1").ec2 = Ec2State.STOPPED;
        async.lab.host("pg1").postgresUp = false;

        Outcome outcome = async.automation.onAlarm("evt-async", "pgpilot-lab-primary-health", "ALARM", "req-1");

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertEquals("pg2", outcome.primary());
        assertEquals(List.of(
                "pgpilot-PgpoolBackends [pgpool1]",
                "pgpilot-PromoteStandby [pg2]",
                "pgpilot-UpdateHosts [pg2, pg3, pgpool1, app1]",
                "pgpilot-PgpoolBackends [pgpool1]",
                "retag pg1=rebuild,pg2=primary"), async.lab.journal, "no pgpilot-ConfigurePrimary: pg2 has none");
        assertEquals(List.of(), async.lab.host("pg2").sync);
    }

    @Test
    void givenAsynchronousReplicationMode_whenThePrimaryStillWaitsForAStandby_thenTheMonitorTurnsThatOff() {
        Fixture async = new Fixture(FakeCluster.seedChain(), Map.of("PGPILOT_REPLICATION_MODE", "asynchronous"));

        Outcome outcome = async.automation.monitor("req-monitor");

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertTrue(outcome.reason().contains("asynchronous replication (PGPILOT_REPLICATION_MODE): making pg1"
                + " asynchronous"), outcome::reason);
        assertEquals(List.of("pgpilot-ConfigurePrimary [pg1]"), async.lab.journal);
        assertEquals("", async.lab.sent.get(0).parameters().get("syncStandbys"));
        assertEquals(List.of(), async.lab.host("pg1").sync);
        assertEquals(Outcome.Action.OBSERVED, async.automation.monitor("req-monitor-2").action(), "then at rest");
    }
}

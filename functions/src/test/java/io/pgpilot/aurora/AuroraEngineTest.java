package io.pgpilot.aurora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.Ec2State;
import io.pgpilot.core.ports.HistoryEntry;
import io.pgpilot.fakes.AuroraFixture;
import io.pgpilot.fakes.FakeAurora;
import io.pgpilot.fakes.FakeCluster;
import io.pgpilot.fakes.FakeServices;
import io.pgpilot.runner.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Aurora mode through the EventRouter: lease, observe, decide, FailoverDBCluster, verify, record, repeat. */
class AuroraWorkflowTest {

    private static final String ALARM = "pgpilot-lab-writer-reachable";

    private final AuroraFixture fixture = new AuroraFixture();
    private final FakeAurora aurora = fixture.aurora;
    private final FakeServices services = fixture.services;

    private Outcome alarm(String eventId) {
        return fixture.automation.onAlarm(eventId, ALARM, "ALARM", "req-" + eventId);
    }

    private void writerDies() {
        aurora.endpointAnswers = false;
    }

    @Test
    void givenWriterEndpointDead_whenAlarm_thenTheBestReaderBecomesTheWriterVerifiedRecordedAndTold() {
        writerDies();

        Outcome outcome = alarm("evt-1");

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertEquals("db-c", outcome.primary(), "no lag known: the reader outside db-a's zone us-east-1a");
        assertEquals("db-c", aurora.writer());
        assertEquals(List.of("failover lab-aurora to db-c"), aurora.journal);
        assertEquals(3, aurora.probes, "the configured 3 confirmation rounds");
        assertEquals(2, outcome.steps().size(), () -> String.join("\n", outcome.steps()));
        assertTrue(outcome.steps().get(0).startsWith("FailoverDbCluster[clusterId=lab-aurora, from=db-a, target=db-c]:"
                + " DONE: FailoverDBCluster accepted; RDS reports db-c the writer"), outcome.steps()::toString);
        assertTrue(outcome.steps().get(1).startsWith("Notify[subject=pgpilot lab: Aurora failover from db-a to db-c"),
                outcome.steps()::toString);
        assertEquals(List.of("detection", "decision", "promote", "completion", "total"),
                List.copyOf(outcome.phaseMillis().keySet()));
        assertEquals(1, services.notices.size());
        assertEquals("pgpilot lab: Aurora failover from db-a to db-c", services.notices.get(0).subject());
        HistoryEntry entry = services.history.get(0);
        assertEquals(List.of("completed", "db-c"), List.of(entry.outcome(), entry.primary()));
        assertTrue(entry.reason().contains("the cluster endpoint did not answer in any of 3 probe rounds"),
                entry::reason);
        assertEquals(outcome.steps(), entry.steps());
        assertEquals(List.of(), fixture.ec2.journal, "Aurora mode never touches EC2 hosts");
        assertEquals(Optional.empty(), services.holder(FakeCluster.CLUSTER, fixture.clock.instant()),
                "the lease is released");
    }

    @Test
    void givenACompletedFailover_whenTheSameEventComesAgain_thenDuplicateReportingTheWriterAndLoggedOnceByKey() {
        writerDies();
        alarm("evt-1");

        Outcome again = alarm("evt-1");

        assertEquals(Outcome.Action.DUPLICATE, again.action(), again::reason);
        assertEquals("db-c", again.primary());
        assertTrue(again.reason().endsWith("nothing done. The writer is db-c"), again::reason);
        String line = fixture.log().lines().filter(l -> l.contains("\"event\":\"duplicate\"")).findFirst()
                .orElseThrow();
        assertTrue(line.contains("\"eventId\":\"evt-1\""), line);
        assertEquals(1, line.split("\"event\":", -1).length - 1, line);
        assertEquals(1, aurora.journal.size());
    }

    @Test
    void givenACompletedFailover_whenAnotherAlarmComes_thenNoOpReportingTheNewWriterEvenIfItsDnsHasNotMoved() {
        writerDies();
        alarm("evt-1");
        fixture.clock.advance(Duration.ofMinutes(1));

        Outcome repeat = alarm("evt-2");

        assertEquals(Outcome.Action.NO_OP, repeat.action(), repeat::reason);
        assertEquals("db-c", repeat.primary());
        assertTrue(repeat.reason().contains("db-c is already the writer of DB cluster lab-aurora: pgpilot failed over"
                + " to it at 2026-03-01T03:00:00Z"), repeat::reason);
        assertEquals(List.of("failover lab-aurora to db-c"), aurora.journal);
        assertEquals(1, services.history.size());
    }

    @Test
    void givenHealthyWriter_whenAlarm_thenRefusedAndToldAndNothingChanged() {
        Outcome outcome = alarm("evt-1");

        assertEquals(Outcome.Action.REFUSED, outcome.action(), outcome::reason);
        assertEquals("db-a", outcome.primary());
        assertTrue(outcome.reason().contains("writer db-a of DB cluster lab-aurora is not confirmed failed: RDS"
                + " reports it available and the cluster endpoint answered and accepts writes in 1 of 1 probe rounds"),
                outcome::reason);
        assertEquals(1, aurora.probes, "an answer ends the probing");
        assertEquals(List.of(), aurora.journal);
        assertEquals("refused", services.history.get(0).outcome());
        assertTrue(services.notices.get(0).subject().startsWith("pgpilot lab: no action: "));
    }

    @Test
    void givenAuroraSwitchesAfterAWhile_whenFailedOver_thenItPollsUntilTheTargetIsTheWriter() {
        writerDies();
        aurora.describesUntilSwitch = 5;
        Instant before = fixture.clock.instant();

        Outcome outcome = alarm("evt-1");

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertEquals("db-c", aurora.writer());
        assertTrue(outcome.steps().get(0).contains("RDS reports db-c the writer after 10000 ms (cluster available"),
                outcome.steps()::toString);
        assertFalse(fixture.clock.instant().isBefore(before.plusSeconds(10)), "five polls 2 s apart");
    }

    @Test
    void givenAFailoverThatNeverTakesEffect_whenVerified_thenFailedAfterTheCommandTimeoutAndTheEventForgotten() {
        writerDies();
        aurora.describesUntilSwitch = -1;

        Outcome outcome = alarm("evt-1");

        assertEquals(Outcome.Action.FAILED, outcome.action(), outcome::reason);
        assertTrue(outcome.reason().startsWith("step 1 of 2 failed: FailoverDbCluster[clusterId=lab-aurora, from=db-a,"
                + " target=db-c] failed: FailoverDBCluster was accepted but RDS does not report db-c the writer after"
                + " 120 s (writer db-a, cluster failing-over)"), outcome::reason);
        assertTrue(services.processed.isEmpty(), "the event is forgotten, so a redelivery runs again");
        assertEquals("failed", services.history.get(0).outcome());
        assertTrue(services.notices.get(0).subject().startsWith("pgpilot lab: FAILED: "));
    }

    @Test
    void givenFailoverDbClusterRejected_whenExecuted_thenFailedWithRdsErrorAndTheNextRunRetries() {
        writerDies();
        aurora.failoverError = new IllegalStateException("InvalidDBClusterStateFault: cluster is busy");

        Outcome first = alarm("evt-1");
        Outcome redelivery = alarm("evt-1");

        assertEquals(Outcome.Action.FAILED, first.action(), first::reason);
        assertTrue(first.reason().contains("failed: IllegalStateException: InvalidDBClusterStateFault: cluster is busy"),
                first::reason);
        assertEquals(Outcome.Action.COMPLETED, redelivery.action(), redelivery::reason);
        assertEquals("db-c", aurora.writer());
    }

    @Test
    void givenSnsDownAfterTheFailover_whenTheEventIsRedelivered_thenTheWriterIsKnownAndItIsANoOp() {
        writerDies();
        fixture.snsDown = true;

        Outcome first = alarm("evt-1");
        fixture.snsDown = false;
        Outcome redelivery = alarm("evt-1");

        assertEquals(Outcome.Action.FAILED, first.action(), first::reason);
        assertEquals("db-c", services.history.get(0).primary(), "the failed run still records the new writer");
        assertEquals(Outcome.Action.NO_OP, redelivery.action(), redelivery::reason);
        assertEquals(List.of("failover lab-aurora to db-c"), aurora.journal);
    }

    @Test
    void givenReplicaLags_whenFailedOver_thenTheLowestLagReaderWinsOverTheZone() {
        writerDies();
        aurora.lags.putAll(Map.of("db-b", 4L, "db-c", 250L));

        Outcome outcome = alarm("evt-1");

        assertEquals("db-b", outcome.primary(), outcome::reason);
    }

    @Test
    void givenClusterAlreadyFailingOver_whenAlarm_thenRefused() {
        writerDies();
        aurora.status = "failing-over";

        Outcome outcome = alarm("evt-1");

        assertEquals(Outcome.Action.REFUSED, outcome.action(), outcome::reason);
        assertTrue(outcome.reason().contains("Aurora is already moving the writer"), outcome::reason);
        assertEquals(List.of(), aurora.journal);
    }

    @Test
    void givenAnotherRunHoldsTheLease_whenAlarm_thenItDoesNothing() {
        writerDies();
        services.tryAcquire(FakeCluster.CLUSTER, "someone-else", Duration.ofMinutes(3), fixture.clock.instant());

        Outcome outcome = alarm("evt-1");

        assertEquals(Outcome.Action.LEASE_HELD, outcome.action(), outcome::reason);
        assertEquals(0, aurora.describes);
    }

    @Test
    void givenNoDatabaseCredentials_whenRdsReportsTheWriterAvailableOrFailed_thenOnlyRdsStatusConfirms() {
        AuroraFixture noProbe = new AuroraFixture(Map.of(), false);

        Outcome available = noProbe.automation.onAlarm("evt-1", ALARM, "ALARM", "req");
        noProbe.aurora.instances.get("db-a").status = "failed";
        Outcome failed = noProbe.automation.onAlarm("evt-2", ALARM, "ALARM", "req");

        assertEquals(Outcome.Action.REFUSED, available.action(), available::reason);
        assertTrue(available.reason().contains("the cluster endpoint was not probed"), available::reason);
        assertEquals(Outcome.Action.COMPLETED, failed.action(), failed::reason);
        assertEquals(0, noProbe.aurora.probes);
    }

    @Test
    void givenHealthyCluster_whenMonitored_thenMetricsPublishedAndNothingDone() {
        aurora.lags.put("db-b", 7L);

        Outcome outcome = fixture.automation.monitor("req-1");

        assertEquals(Outcome.Action.OBSERVED, outcome.action(), outcome::reason);
        assertEquals("db-a", outcome.primary());
        assertTrue(outcome.reason().startsWith("the planner would not act: writer db-a"), outcome::reason);
        FakeServices.Probe probe = services.probes.get(0);
        assertTrue(probe.primaryReachable());
        assertEquals(List.of("db-a", "db-b", "db-c"), probe.nodes().stream().map(n -> n.node()).toList());
        assertEquals(Duration.ofMillis(7), probe.nodes().get(1).lagTime());
        assertEquals(List.of(), aurora.journal);
        assertEquals(List.of(), services.notices, "a healthy minute notifies nobody");
    }

    @Test
    void givenDeadWriter_whenMonitored_thenTheMonitorFailsOverItself() {
        writerDies();

        Outcome outcome = fixture.automation.monitor("req-1");

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertEquals("db-c", aurora.writer());
        assertFalse(services.probes.get(0).primaryReachable());
    }

    @Test
    void givenEc2EventsAndSwitchoverRequests_whenAuroraMode_thenIgnoredWithTheReason() {
        Outcome stopped = fixture.automation.onInstanceState("evt-1", "i-0000000000000000a", Ec2State.STOPPED, "req");
        Outcome switchover = fixture.automation.switchover("db-b", "req");

        assertEquals(Outcome.Action.IGNORED, stopped.action());
        assertTrue(stopped.reason().contains("PGPILOT_ENGINE=aurora, so EC2 state changes are not pgpilot's to act on"),
                stopped::reason);
        assertEquals(Outcome.Action.IGNORED, switchover.action());
        assertTrue(switchover.reason().contains("pgpilot does not drive yet"), switchover::reason);
        assertEquals(0, fixture.ec2.probes);
        assertEquals(List.of(), aurora.journal);
    }
}

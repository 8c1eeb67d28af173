package io.pgpilot.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.Ec2State;
import io.pgpilot.ec2.Ec2StepExecutor;
import io.pgpilot.fakes.FakeCluster;
import io.pgpilot.fakes.FakeServices;
import io.pgpilot.fakes.Fixture;
import io.pgpilot.runner.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An old primary (tagged rebuild after a failover) whose instance runs again rejoins as a standby;
 * a rebuild is awaited to its end under the run's lease, and one that outlasts the run is
 * finished by the monitor.
 */
class RejoinTest {

    private final Fixture fixture = Fixture.seedChain();
    private final FakeCluster lab = fixture.lab;

    private Outcome started(String eventId) {
        return fixture.automation.onInstanceState(eventId, lab.id("pg1"), Ec2State.RUNNING, "req-" + eventId);
    }

    private String role(String node) {
        return lab.host(node).tags.get("pgpilot:role");
    }

    @BeforeEach
    void failedOverFromPg1() {
        lab.host("pg1").ec2 = Ec2State.STOPPED;
        lab.host("pg1").postgresUp = false;
        Outcome failover = fixture.automation.onInstanceState("evt-stop", lab.id("pg1"), Ec2State.STOPPED, "req-1");
        assertEquals(Outcome.Action.COMPLETED, failover.action(), failover::reason);
        assertEquals("rebuild", lab.host("pg1").tags.get("pgpilot:role"));
        lab.journal.clear();
        lab.sent.clear();
        lab.host("pg1").ec2 = Ec2State.RUNNING;
    }

    @Test
    void givenOldPrimaryStartedAgain_whenItsRunningEventComes_thenHostsFirstThenItRejoinsByRewindAndIsTaggedStandby() {
        Outcome outcome = fixture.automation.onInstanceState("evt-start", lab.id("pg1"), Ec2State.RUNNING, "req-2");

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertEquals("pg2", outcome.primary());
        assertTrue(outcome.reason().contains("pg1 rejoined as a standby of pg2"), outcome::reason);
        assertEquals(List.of(
                "pgpilot-UpdateHosts [pg1, pg2, pg3, pgpool1, app1]",
                "pgpilot-FenceNode [pg1]",
                "pgpilot-RebuildStandby [pg1]",
                "pgpilot-PgpoolBackends [pgpool1]",
                "retag pg1=standby"), lab.journal.stream().filter(l -> !l.startsWith("pgpilot-ConfigurePrimary"))
                .toList());
        assertEquals("unfence", lab.sent.get(1).parameters().get("action"));
        assertEquals("true", lab.sent.get(2).parameters().get("rewind"));
        assertEquals("pg2", lab.host("pg1").upstream);
        assertEquals("standby", lab.host("pg1").tags.get("pgpilot:role"));
        assertTrue(outcome.phaseMillis().containsKey("rejoin"), () -> outcome.phaseMillis().toString());
    }

    @Test
    void givenOldPrimaryThatCannotRejoin_whenItsRunningEventComes_thenFailedFencedAgainAndStillTaggedRebuild() {
        lab.failNext(Ec2StepExecutor.REBUILD_STANDBY, "ERROR: cannot open a replication connection to pg2:5432");

        Outcome outcome = fixture.automation.onInstanceState("evt-start", lab.id("pg1"), Ec2State.RUNNING, "req-2");

        assertEquals(Outcome.Action.FAILED, outcome.action(), outcome::reason);
        assertTrue(outcome.reason().contains("pg1 did not rejoin as a standby of pg2")
                && outcome.reason().contains("cannot open a replication connection"), outcome::reason);
        assertTrue(lab.host("pg1").fenced, "fenced again: it must not start as a second primary");
        assertEquals("rebuild", lab.host("pg1").tags.get("pgpilot:role"));
        assertEquals("pg2", fixture.automation.onInstanceState("evt-again", lab.id("pg2"), Ec2State.RUNNING, "req-3")
                .primary(), "the cluster keeps its primary");
    }

    @Test
    void givenAStandbyStartedAgain_whenItsRunningEventComes_thenOnlyTheHostsMapIsPublished() {
        Outcome outcome = fixture.automation.onInstanceState("evt-start", lab.id("pg3"), Ec2State.RUNNING, "req-2");

        assertEquals(Outcome.Action.PUBLISHED, outcome.action(), outcome::reason);
        assertEquals(List.of("pgpilot-UpdateHosts [pg1, pg2, pg3, pgpool1, app1]"), lab.journal);
    }

    // --------------------------------------------------------------- a rebuild that takes its time

    @Test
    void givenARebuildLongerThanTheCommandTimeoutAndTheLease_whenItsRunningEventComes_thenAwaitedToItsEndUnderARenewedLease() {
        Duration rebuild = fixture.config.leaseDuration().plusSeconds(70);
        lab.lasting(Ec2StepExecutor.REBUILD_STANDBY, rebuild);
        Instant began = fixture.clock.instant();

        Outcome outcome = started("evt-start");

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertTrue(outcome.reason().contains("pg1 rejoined as a standby of pg2"), outcome::reason);
        assertEquals("standby", role("pg1"));
        assertFalse(lab.host("pg1").fenced);
        assertTrue(fixture.services.renewedAt.stream().anyMatch(t -> t.isAfter(
                began.plus(fixture.config.commandTimeout())) && t.isBefore(began.plus(rebuild))),
                () -> "renewed while the rebuild ran: " + fixture.services.renewedAt);
    }

    @Test
    void givenARebuildStillRunningAtTheRebuildWait_whenItsRunningEventComes_thenLeftRunningUnfencedAndTold() {
        lab.lasting(Ec2StepExecutor.REBUILD_STANDBY, Duration.ofSeconds(400));

        Outcome outcome = started("evt-start");

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertEquals("pg1 is still being rebuilt as a standby of pg2: the rebuild of pg1 from pg2 (SSM command cmd-3)"
                + " still runs after 300 s (PGPILOT_REBUILD_WAIT_SECONDS); not fenced: pg1 stays tagged rebuild, and"
                + " the monitor tags it standby once it streams", outcome.reason());
        assertEquals(List.of("pgpilot-UpdateHosts [pg1, pg2, pg3, pgpool1, app1]", "pgpilot-FenceNode [pg1]",
                "pgpilot-RebuildStandby [pg1]"), lab.journal, "no fence after the rebuild");
        assertFalse(lab.host("pg1").fenced);
        assertEquals("rebuild", role("pg1"));
        assertEquals(List.of("cmd-3"), lab.running(Ec2StepExecutor.REBUILD_STANDBY, lab.id("pg1")));
        FakeServices.Notice told = fixture.services.notices.get(fixture.services.notices.size() - 1);
        assertEquals("pgpilot lab: not done in this run", told.subject());
        assertTrue(told.message().contains("SSM command cmd-3) still runs after 300 s"), told::message);
        assertTrue(fixture.services.history.get(fixture.services.history.size() - 1).steps().stream()
                .anyMatch(step -> step.startsWith("RebuildStandby[node=pg1, upstream=pg2, rewind=true]: STARTED")));
    }

    @Test
    void givenARebuildLeftRunning_whenTheMonitorTicksBeforeAndAfterItEnds_thenItWaitsThenTagsPg1Standby() {
        lab.lasting(Ec2StepExecutor.REBUILD_STANDBY, Duration.ofSeconds(400));
        started("evt-start");
        int sent = lab.sent.size();

        Outcome during = fixture.automation.monitor("req-monitor-1");

        String waits = "pg1 is being rebuilt (pgpilot-RebuildStandby runs as SSM command cmd-3): the monitor waits"
                + " for it to end";
        assertEquals(Outcome.Action.OBSERVED, during.action(), during::reason);
        assertTrue(during.reason().endsWith(waits), during::reason);
        assertTrue(fixture.log().contains(waits), fixture::log);
        assertEquals(sent, lab.sent.size(), "nothing sent while it runs");

        fixture.clock.advance(Duration.ofSeconds(100));
        Outcome after = fixture.automation.monitor("req-monitor-2");

        assertEquals(Outcome.Action.COMPLETED, after.action(), after::reason);
        assertTrue(after.reason().contains("pg1 streams again as a standby: back in service"), after::reason);
        assertEquals("standby", role("pg1"));
        assertEquals("pg2", lab.host("pg1").upstream);
    }

    @Test
    void givenTheLeaseLostWhileTheRebuildRuns_whenTheRunStops_thenNotFencedAndItsRedeliveryAwaitsTheSameRebuild() {
        lab.lasting(Ec2StepExecutor.REBUILD_STANDBY, Duration.ofSeconds(400));
        // Renewed before the hosts map, the unfence and the rebuild; none during its wait.
        fixture.services.renewalsBeforeLoss = 3;

        Outcome lost = started("evt-start");

        assertEquals(Outcome.Action.FAILED, lost.action(), lost::reason);
        assertTrue(lost.reason().contains("this run lost the cluster lease while awaiting the rebuild of pg1 from pg2"
                + " (SSM command cmd-3)"), lost::reason);
        assertFalse(lab.host("pg1").fenced, "a rebuild that may still succeed is never fenced");
        assertEquals(1, lab.documents().stream().filter(Ec2StepExecutor.FENCE_NODE::equals).count(), "the unfence only");

        fixture.services.renewalsBeforeLoss = -1;
        Outcome again = started("evt-start");

        assertEquals(Outcome.Action.COMPLETED, again.action(), again::reason);
        assertEquals(1, lab.documents().stream().filter(Ec2StepExecutor.REBUILD_STANDBY::equals).count(),
                "the rebuild already running is awaited, not started twice");
        assertTrue(again.steps().stream().anyMatch(step -> step.contains("already running when this run came to it")),
                again.steps()::toString);
        assertEquals("standby", role("pg1"));
    }

    @Test
    void givenAPendingRebuildThatFailed_whenTheMonitorTicks_thenItRejoinsPg1AgainAtMostOnceAnHour() {
        lab.lasting(Ec2StepExecutor.REBUILD_STANDBY, Duration.ofSeconds(400));
        lab.failNext(Ec2StepExecutor.REBUILD_STANDBY, "pg_basebackup: error: could not write to file");
        started("evt-start");
        fixture.clock.advance(Duration.ofSeconds(100));
        lab.lasting(Ec2StepExecutor.REBUILD_STANDBY, Duration.ZERO);
        lab.failNext(Ec2StepExecutor.REBUILD_STANDBY, "pg_basebackup: error: could not write to file");

        Outcome retried = fixture.automation.monitor("req-monitor-1");
        int sent = lab.sent.size();
        Outcome waits = fixture.automation.monitor("req-monitor-2");
        fixture.clock.advance(Duration.ofHours(1));
        Outcome retriedAgain = fixture.automation.monitor("req-monitor-3");

        assertEquals(Outcome.Action.FAILED, retried.action(), retried::reason);
        assertTrue(retried.reason().contains("pg1 did not rejoin as a standby of pg2"), retried::reason);
        assertTrue(fixture.services.history.get(fixture.services.history.size() - 2).reason()
                .startsWith("pg1 did not rejoin"), "the retry's own failure is recorded");
        assertEquals(Outcome.Action.OBSERVED, waits.action(), waits::reason);
        assertTrue(waits.reason().endsWith("the monitor started the rejoin of pg1 less than 60 minutes ago and waits"
                + " before it tries again"), waits::reason);
        assertEquals(Outcome.Action.COMPLETED, retriedAgain.action(), retriedAgain::reason);
        assertEquals("pgpilot-UpdateHosts", lab.sent.get(sent).document(), "nothing sent while it waited");
        assertEquals("standby", role("pg1"));
    }
}

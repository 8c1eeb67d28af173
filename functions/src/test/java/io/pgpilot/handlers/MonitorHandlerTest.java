package io.pgpilot.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.Lsn;
import io.pgpilot.core.ports.ArchiveStatus;
import io.pgpilot.core.ports.NodeSample;
import io.pgpilot.fakes.FakeServices;
import io.pgpilot.fakes.Fixture;
import io.pgpilot.runner.Outcome;
import io.pgpilot.fakes.FakeCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The scheduled monitor: probes, metrics, and a failover of its own on a confirmed failure. */
class MonitorHandlerTest {

    private static final String TICK = LambdaEvents.resource("scheduled-event.json");

    private final Fixture fixture = Fixture.seedChain();
    private final MonitorHandler handler = new MonitorHandler(fixture.automation);

    private Outcome tick() {
        return handler.handleRequest(LambdaEvents.eventBridge(TICK), null);
    }

    @Test
    void givenHealthyClusterWithALaggingStandby_whenTheMonitorRuns_thenItProbesSeveralTimesAndPublishesLag() {
        Fixture once = new Fixture(FakeCluster.seedChain(), Map.of("PGPILOT_SENTINEL_SECONDS", "0"));
        once.lab.host("pg3").lsn = Lsn.parse("0/3000000");

        Outcome outcome = new MonitorHandler(once.automation).handleRequest(LambdaEvents.eventBridge(TICK), null);

        assertEquals(Outcome.Action.OBSERVED, outcome.action(), outcome::reason);
        assertEquals("pg1", outcome.primary());
        assertEquals(9, once.lab.probes, "3 rounds of 3 nodes");
        assertEquals(List.of(), once.lab.journal);
        assertEquals(1, once.services.probes.size());
        assertTrue(once.services.probes.get(0).primaryReachable());
        assertEquals(List.of(new NodeSample("pg1", true, 0L, null),
                new NodeSample("pg2", true, 0L, null), new NodeSample("pg3", true, 96L, null)),
                once.services.probes.get(0).nodes());
    }

    @Test
    void givenAPrimaryWhoseArchiveFails_whenTheMonitorRuns_thenItPublishesTheBacklogAndActsOnNothing() {
        Fixture once = new Fixture(FakeCluster.seedChain(), Map.of("PGPILOT_SENTINEL_SECONDS", "0"));
        once.lab.archive = Optional.of(new ArchiveStatus(7, true));

        Outcome outcome = new MonitorHandler(once.automation).handleRequest(LambdaEvents.eventBridge(TICK), null);

        assertEquals(Outcome.Action.OBSERVED, outcome.action(), outcome::reason);
        assertEquals(List.of(new ArchiveStatus(7, true)), once.services.archives, "read from the primary, once");
        assertEquals(List.of(), once.lab.journal, "an archive that fails is no reason to fail over");
    }

    @Test
    void givenAPrimaryThatDoesNotArchive_whenTheMonitorRuns_thenNoArchiveMetricIsSent() {
        Fixture once = new Fixture(FakeCluster.seedChain(), Map.of("PGPILOT_SENTINEL_SECONDS", "0"));

        new MonitorHandler(once.automation).handleRequest(LambdaEvents.eventBridge(TICK), null);

        assertEquals(List.of(), once.services.archives, "left out, never sent as 0");
    }

    @Test
    void givenAQuietCluster_whenTheScheduleInvokesTheMonitor_thenItWatchesUntilJustBeforeTheNextScheduleAndPublishesOnce() {
        Instant start = fixture.clock.instant();

        Outcome outcome = tick();

        long watched = Duration.between(start, fixture.clock.instant()).toSeconds();
        assertEquals(Outcome.Action.OBSERVED, outcome.action(), outcome::reason);
        assertTrue(watched >= 49 && watched < 60, "watched " + watched + " s of the minute");
        assertTrue(fixture.lab.probes > 9 * 20 && fixture.lab.probes % 9 == 0, "looks: " + fixture.lab.probes / 9);
        assertTrue(outcome.reason().contains("(watched " + watched + " s, " + fixture.lab.probes / 9 + " looks)"),
                outcome::reason);
        assertEquals(1, fixture.services.probes.size(), "the readings are published once a minute, not per look");
        assertEquals(1, fixture.log().split("\"event\":\"monitor\"", -1).length - 1, "a quiet look is logged once");
        assertEquals(Optional.empty(), fixture.services.holder("lab#sentinel", fixture.clock.instant()),
                "the sentinel's lease is given up");
        assertEquals(List.of(), fixture.lab.journal);
    }

    @Test
    void givenAPrimaryThatCrashesWhileTheMonitorWatches_whenItsNextLookConfirmsIt_thenItFailsOverAtOnce() {
        Instant start = fixture.clock.instant();
        fixture.lab.onProbe = n -> {
            if (n == 9 * 20) {
                fixture.lab.host("pg1").postgresUp = false;
            }
        };

        Outcome outcome = tick();

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertEquals("pg2", outcome.primary());
        assertTrue(fixture.lab.probesBeforeFirstStop <= 9 * 22, "confirmed within two looks of the crash, at probe "
                + fixture.lab.probesBeforeFirstStop);
        assertTrue(Duration.between(start, fixture.clock.instant()).toSeconds() < 50, "the invocation ends with the run");
    }

    @Test
    void givenASentinelAlreadyWatching_whenAnotherInvocationComes_thenItLooksOnce() {
        fixture.services.tryAcquire("lab#sentinel", "the-other-invocation", Duration.ofSeconds(60),
                fixture.clock.instant());

        Outcome outcome = tick();

        assertEquals(Outcome.Action.OBSERVED, outcome.action(), outcome::reason);
        assertEquals(9, fixture.lab.probes, "one look: 3 rounds of 3 nodes");
    }

    @Test
    void givenPrimaryThatStoppedAnswering_whenTheMonitorConfirmsIt_thenItFailsOverItself() {
        fixture.lab.host("pg1").postgresUp = false;

        Outcome outcome = tick();

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertEquals("pg2", outcome.primary());
        assertTrue(!fixture.services.probes.get(0).primaryReachable());
        assertEquals(new NodeSample("pg1", false, null, null), fixture.services.probes.get(0).nodes().get(0));
    }

    @Test
    void givenPrimaryDownAndNoStandbyToPromote_whenTheMonitorRuns_thenItRefusesSaysWhyAndTellsAnOperatorOnce() {
        fixture.lab.hosts.values().forEach(h -> h.postgresUp = false);

        Outcome outcome = tick();
        Outcome again = tick();

        assertEquals(Outcome.Action.REFUSED, outcome.action());
        assertTrue(outcome.reason().startsWith("pg1 has failed"), outcome::reason);
        assertTrue(outcome.reason().contains("no standby in service answers"), outcome::reason);
        assertEquals(Outcome.Action.REFUSED, again.action(), "tried again at the next tick");
        assertEquals(List.of(), fixture.lab.journal);
        assertEquals(1, fixture.services.notices.size(), "a lasting condition is told once, not at every tick");
        assertEquals("pgpilot lab: pg1 has failed and pgpilot refuses to promote",
                fixture.services.notices.get(0).subject());
        assertTrue(fixture.log().contains("\"event\":\"alert\""), fixture::log);
    }

    @Test
    void givenAnInstanceWithATakenName_whenThePrimaryFails_thenItIsStillFailedOverAndTheBadTagIsTold() {
        fixture.lab.twin("pg3", 99);
        fixture.lab.host("pg1").postgresUp = false;

        Outcome outcome = tick();

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertEquals("pg2", outcome.primary());
        Outcome after = tick();
        assertEquals(Outcome.Action.OBSERVED, after.action(), after::reason);
        assertTrue(fixture.services.notices.stream().anyMatch(n -> n.subject().contains("an instance's tags excluded"
                + " it") && n.message().contains("i-00000000000000063")), () -> fixture.services.notices.toString());
    }

    @Test
    void givenATickThatFails_whenItRepeats_thenEachFailsTheInvocationIsLoggedAsAnErrorAndToldOnceAnHour() {
        fixture.lab.describeFailure = new IllegalStateException("Ec2Exception: Request limit exceeded");

        RuntimeException first = assertThrows(RuntimeException.class, this::tick);
        assertThrows(RuntimeException.class, this::tick);
        fixture.clock.advance(EventRouter.ALERT_REPEAT);
        assertThrows(RuntimeException.class, this::tick);

        assertEquals("Ec2Exception: Request limit exceeded", first.getMessage(), "thrown as it was: Lambda counts it");
        assertEquals(2, fixture.services.notices.size(), "told once per hour, not at every tick");
        FakeServices.Notice told = fixture.services.notices.get(0);
        assertEquals("pgpilot lab: the monitor fails", told.subject());
        assertTrue(told.message().startsWith("the monitor of cluster lab failed: IllegalStateException: Ec2Exception:"
                + " Request limit exceeded. Until it works again, pgpilot finds no failure by probing"), told::message);
        assertEquals(3, fixture.log().split("\"level\":\"ERROR\",\"event\":\"monitor-failed\"", -1).length - 1,
                "every failed tick is logged as an error");
    }

    @Test
    void givenAMonitorThatWorksAgain_whenItTicks_thenItObservesAsBefore() {
        fixture.lab.describeFailure = new IllegalStateException("Ec2Exception: Request limit exceeded");
        assertThrows(RuntimeException.class, this::tick);
        fixture.lab.describeFailure = null;

        Outcome outcome = tick();

        assertEquals(Outcome.Action.OBSERVED, outcome.action(), outcome::reason);
        assertEquals(1, fixture.services.notices.size());
    }
}

package io.pgpilot.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.Lsn;
import io.pgpilot.core.ports.NodeSample;
import io.pgpilot.fakes.FakeServices;
import io.pgpilot.fakes.Fixture;
import io.pgpilot.runner.Outcome;
import java.util.List;
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
        fixture.lab.host("pg3").lsn = Lsn.parse("0/3000000");

        Outcome outcome = tick();

        assertEquals(Outcome.Action.OBSERVED, outcome.action(), outcome::reason);
        assertEquals("pg1", outcome.primary());
        assertEquals(9, fixture.lab.probes, "3 rounds of 3 nodes");
        assertEquals(List.of(), fixture.lab.journal);
        assertEquals(1, fixture.services.probes.size());
        assertTrue(fixture.services.probes.get(0).primaryReachable());
        assertEquals(List.of(new NodeSample("pg1", true, 0L, null),
                new NodeSample("pg2", true, 0L, null), new NodeSample("pg3", true, 96L, null)),
                fixture.services.probes.get(0).nodes());
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

package io.pgpilot.ec2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.Ec2State;
import io.pgpilot.core.Handover;
import io.pgpilot.fakes.FakeCluster;
import io.pgpilot.fakes.Fixture;
import io.pgpilot.runner.Outcome;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A run the monitor starts decides from the monitor's probe rounds and one fresh round taken
 * under the lease, instead of confirming the failure a second time; alarm and EC2 runs observe
 * in full. Three database nodes, so one round is 3 probes.
 */
class MonitorRunTest {

    private static final int NODES = 3;

    private final Fixture fixture = Fixture.seedChain();
    private final FakeCluster lab = fixture.lab;

    private Outcome monitor() {
        return fixture.automation.monitor("req-monitor");
    }

    @Test
    void givenCrashedPrimaryConfirmedByTheMonitor_whenItsRunDecides_thenOneFreshRoundBeforeTheFenceAndTheSamePlan() {
        lab.host("pg1").postgresUp = false;
        Fixture alarmed = Fixture.seedChain();
        alarmed.lab.host("pg1").postgresUp = false;
        Outcome byAlarm = alarmed.automation.onAlarm("evt-1", "pgpilot-lab-primary-health", "ALARM", "req-alarm");

        Outcome outcome = monitor();

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertEquals("pg2", outcome.primary());
        int confirmationProbes = fixture.config.confirmationProbes();
        assertEquals((confirmationProbes + 1) * NODES, lab.probesBeforeFirstStop,
                "the monitor's rounds and one fresh round under the lease, no second confirmation");
        assertEquals(confirmationProbes * NODES, alarmed.lab.probesBeforeFirstStop,
                "unchanged for an alarm: the workflow's own full observation");
        assertEquals("stop pg1 (force)", lab.journal.get(0));
        assertEquals(alarmed.lab.journal, lab.journal, "the same steps in the same order");
        assertEquals(alarmed.lab.sent, lab.sent, "the same commands with the same parameters");
        assertEquals(alarmed.services.notices.get(0).subject(), fixture.services.notices.get(0).subject());
        assertTrue(outcome.reason().contains("pg1 has failed: unreachable in all 4 probe rounds over 1.0 s"),
                outcome::reason);
        assertEquals(List.of("detection", "decision", "fence", "promote", "routing", "repoint", "completion", "total"),
                List.copyOf(outcome.phaseMillis().keySet()));
        assertEquals(0, outcome.phaseMillis().get("detection"), "one round and no pause on the injected clock");
        assertEquals(1000, byAlarm.phaseMillis().get("detection"), "3 rounds 500 ms apart");
        assertTrue(fixture.log().contains("the monitor's 3 probe rounds and one fresh round taken under the lease"),
                fixture::log);
    }

    @Test
    void givenPrimaryThatAnswersAgainWhenTheLeaseIsTaken_whenItsRunDecides_thenNoFailoverAndThePlannerSaysWhy() {
        lab.host("pg1").postgresUp = false;
        fixture.services.beforeAcquire = () -> lab.host("pg1").postgresUp = true;

        Outcome outcome = monitor();

        assertEquals(Outcome.Action.NO_OP, outcome.action(), outcome::reason);
        assertEquals("pg1", outcome.primary());
        assertTrue(outcome.reason().startsWith("pg1 is the primary (timeline 1)"), outcome::reason);
        assertTrue(outcome.reason().endsWith("nothing to do."), outcome::reason);
        assertEquals(List.of(), lab.journal);
        assertEquals(List.of(), lab.sent);
        assertEquals((fixture.config.confirmationProbes() + 1) * NODES, lab.probes);
    }

    @Test
    void givenPrimaryThatAnswersAgainInRecovery_whenItsRunDecides_thenRefusedNamingIt() {
        lab.host("pg1").postgresUp = false;
        fixture.services.beforeAcquire = () -> {
            lab.host("pg1").postgresUp = true;
            lab.host("pg1").inRecovery = true;
        };

        Outcome outcome = monitor();

        assertEquals(Outcome.Action.REFUSED, outcome.action(), outcome::reason);
        assertTrue(outcome.reason().startsWith("pg1 answers but is in recovery (read-only)"), outcome::reason);
        assertEquals(List.of(), lab.journal);
    }

    @Test
    void givenRunThatGetsTheLeaseLongAfterTheMonitorProbed_whenItDecides_thenItObservesAfreshWithEveryRound() {
        lab.host("pg1").postgresUp = false;
        fixture.services.beforeAcquire = () -> fixture.clock.advance(
                fixture.config.probeInterval().plus(Handover.SLACK).plusMillis(1));

        Outcome outcome = monitor();

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertEquals(2 * fixture.config.confirmationProbes() * NODES, lab.probesBeforeFirstStop);
        assertTrue(outcome.reason().contains("unreachable in all 3 probe rounds over 1.0 s"), outcome::reason);
        assertEquals(1000, outcome.phaseMillis().get("detection"));
        assertTrue(fixture.log().contains("the monitor's probe rounds ended 2501 ms ago, beyond the probe interval"
                + " + 2 s (2500 ms), so this run observes afresh with every round"), fixture::log);
    }

    @Test
    void givenRunThatGetsTheLeaseWithinTheBound_whenItDecides_thenTheMonitorsRoundsStillCount() {
        lab.host("pg1").postgresUp = false;
        fixture.services.beforeAcquire = () -> fixture.clock.advance(
                fixture.config.probeInterval().plus(Handover.SLACK));

        Outcome outcome = monitor();

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertEquals((fixture.config.confirmationProbes() + 1) * NODES, lab.probesBeforeFirstStop);
        assertTrue(outcome.reason().contains("unreachable in all 4 probe rounds over 3.5 s"), outcome::reason);
    }

    @Test
    void givenTagsChangedBetweenTheMonitorsProbesAndTheLease_whenItsRunDecides_thenItObservesAfresh() {
        lab.host("pg1").postgresUp = false;
        fixture.services.beforeAcquire = () -> lab.other("app2", 32, "app");

        Outcome outcome = monitor();

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertEquals(2 * fixture.config.confirmationProbes() * NODES, lab.probesBeforeFirstStop);
        assertTrue(fixture.log().contains("the tags changed since the monitor probed"), fixture::log);
    }

    @Test
    void givenEc2EventForTheCrashedPrimary_whenTheWorkflowRuns_thenItStillObservesInFull() {
        lab.host("pg1").postgresUp = false;

        Outcome outcome = fixture.automation.onInstanceState("evt-2", lab.id("pg1"), Ec2State.STOPPING, "req-ec2");

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertEquals(fixture.config.confirmationProbes() * NODES, lab.probesBeforeFirstStop,
                "its own full observation: the monitor did not run");
    }
}

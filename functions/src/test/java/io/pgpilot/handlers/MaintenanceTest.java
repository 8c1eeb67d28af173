package io.pgpilot.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.Ec2State;
import io.pgpilot.core.Maintenance;
import io.pgpilot.fakes.FakeCluster;
import io.pgpilot.fakes.Fixture;
import io.pgpilot.runner.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Maintenance mode: while a cluster is paused, pgpilot observes, records and tells, and changes
 * nothing; resumed (or past its end), it acts on what it finds.
 */
class MaintenanceTest {

    private final Fixture fixture = new Fixture(FakeCluster.seedChain(), Map.of("PGPILOT_ARCHIVE_STANZA", "lab"));
    private final FakeCluster lab = fixture.lab;

    private Maintenance pause(Duration lasting) {
        Maintenance maintenance = new Maintenance(fixture.clock.instant(), "arn:aws:iam::123456789012:user/dba",
                lasting == null ? null : fixture.clock.instant().plus(lasting));
        fixture.services.pause(FakeCluster.CLUSTER, maintenance);
        return maintenance;
    }

    @Test
    void givenAPausedCluster_whenThePrimaryCrashes_thenTheMonitorChangesNothingAndTellsOnceWhatItWouldDo() {
        pause(null);
        lab.host("pg1").postgresUp = false;

        Outcome first = fixture.automation.monitor("req-1");
        Outcome second = fixture.automation.monitor("req-2");

        assertEquals(Outcome.Action.PAUSED, first.action(), first.reason());
        assertEquals(Outcome.Action.PAUSED, second.action(), second.reason());
        assertTrue(first.reason().contains("in maintenance (paused since ") && first.reason().contains(
                "by arn:aws:iam::123456789012:user/dba, until resumed") && first.reason().contains("Promote[node=pg2]"),
                first.reason());
        assertEquals(List.of(), lab.journal, "nothing fenced, promoted, re-pointed or retagged");
        assertEquals(1, fixture.services.notices.stream().filter(n -> n.subject().contains("in maintenance")).count(),
                "told once, not at every look");
        assertEquals(List.of("paused"), fixture.services.history.stream().map(h -> h.outcome()).toList(),
                "recorded once");
    }

    @Test
    void givenAPausedCluster_whenAnEventOrAnOperatorAsks_thenThePlanIsHeldAndRecordedButABackupStillRuns() {
        Maintenance paused = pause(Duration.ofHours(1));
        lab.host("pg1").postgresUp = false;

        Outcome stopped = fixture.automation.onInstanceState("evt-1", lab.id("pg1"), Ec2State.STOPPING, "req-ec2");
        lab.host("pg1").postgresUp = true;
        Outcome switchover = fixture.automation.switchover("pg2", "req-op");
        Outcome backup = fixture.automation.backup("full", "req-backup");

        assertEquals(Outcome.Action.PAUSED, stopped.action(), stopped.reason());
        assertEquals(Outcome.Action.PAUSED, switchover.action(), switchover.reason());
        assertTrue(switchover.reason().contains("until " + paused.until()),
                switchover.reason());
        assertEquals(Outcome.Action.COMPLETED, backup.action(), backup.reason());
        assertEquals(List.of("pgpilot-Backup [pg3]"), lab.journal);
        assertEquals(List.of("paused", "paused", "completed"),
                fixture.services.history.stream().map(h -> h.outcome()).toList());
    }

    @Test
    void givenAPauseThatEndedOrWasResumed_whenThePrimaryCrashes_thenTheMonitorFailsOver() {
        pause(Duration.ofMinutes(10));
        lab.host("pg1").postgresUp = false;
        assertEquals(Outcome.Action.PAUSED, fixture.automation.monitor("req-1").action());

        fixture.clock.advance(Duration.ofMinutes(11));
        Outcome ended = fixture.automation.monitor("req-2");

        assertEquals(Outcome.Action.COMPLETED, ended.action(), ended.reason());
        assertEquals("pg2", ended.primary());

        Fixture other = Fixture.seedChain();
        other.services.pause(FakeCluster.CLUSTER, new Maintenance(other.clock.instant(), "someone", null));
        other.lab.host("pg1").postgresUp = false;
        assertEquals(Outcome.Action.PAUSED, other.automation.monitor("req-1").action());
        assertTrue(other.services.resume(FakeCluster.CLUSTER, other.clock.instant()));
        assertEquals(Outcome.Action.COMPLETED, other.automation.monitor("req-2").action());
    }
}

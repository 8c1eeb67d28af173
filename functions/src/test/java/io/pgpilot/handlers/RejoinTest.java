package io.pgpilot.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.Ec2State;
import io.pgpilot.ec2.Ec2StepExecutor;
import io.pgpilot.fakes.FakeCluster;
import io.pgpilot.fakes.Fixture;
import io.pgpilot.runner.Outcome;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** An old primary (tagged rebuild after a failover) whose instance runs again rejoins as a standby. */
class RejoinTest {

    private final Fixture fixture = Fixture.seedChain();
    private final FakeCluster lab = fixture.lab;

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
}

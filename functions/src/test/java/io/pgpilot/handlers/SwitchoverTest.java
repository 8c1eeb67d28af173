package io.pgpilot.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.Lsn;
import io.pgpilot.ec2.Ec2StepExecutor;
import io.pgpilot.fakes.FakeCluster;
import io.pgpilot.fakes.Fixture;
import io.pgpilot.runner.Outcome;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A planned switchover: catch up or refuse, fence, promote, converge, rejoin the old primary. */
class SwitchoverTest {

    private final Fixture fixture = Fixture.seedChain();
    private final FakeCluster lab = fixture.lab;

    @Test
    void givenCaughtUpSyncStandby_whenSwitchedOver_thenOldPrimaryIsFencedTargetPromotedAndOldRejoinsAsItsStandby() {
        Outcome outcome = fixture.automation.switchover("pg2", "req-1");

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertEquals("pg2", outcome.primary());
        assertTrue(outcome.reason().startsWith("switched over from pg1 to pg2 with no acknowledged commit lost; pg1"
                + " rejoined as a standby of pg2"), outcome::reason);
        assertEquals(List.of(
                "pgpilot-FenceNode [pg1]",
                "pgpilot-PgpoolBackends [pgpool1]",
                "pgpilot-PromoteStandby [pg2]",
                "retag pg1=rebuild",
                "pgpilot-ConfigurePrimary [pg2]",
                "pgpilot-UpdateHosts [pg1, pg2, pg3, pgpool1, app1]",
                "pgpilot-PgpoolBackends [pgpool1]",
                "retag pg2=primary",
                "pgpilot-FenceNode [pg1]",
                "pgpilot-RebuildStandby [pg1]",
                "pgpilot-ConfigurePrimary [pg2]",
                "pgpilot-PgpoolBackends [pgpool1]",
                "retag pg1=standby"), lab.journal);
        assertEquals("fence", lab.sent.get(0).parameters().get("action"));
        assertEquals("pg2", lab.sent.get(1).parameters().get("tellPrimary"), "pgpool is told with the promotion");
        assertEquals("unfence", lab.sent.get(6).parameters().get("action"));
        assertEquals("true", lab.sent.get(7).parameters().get("rewind"));
        assertEquals("pg2", lab.sent.get(7).parameters().get("upstreamHost"));
        assertEquals("pg2", lab.host("pg1").upstream);
        assertEquals("pgpilot lab: switchover from pg1 to pg2", fixture.services.notices.get(0).subject());
        assertEquals(1, fixture.services.history.size(), "one history entry for the whole switchover");
        assertTrue(outcome.phaseMillis().keySet().containsAll(List.of("detection", "catchup", "fence", "promote",
                "routing", "rejoin", "total")), () -> outcome.phaseMillis().toString());
    }

    @Test
    void givenCascadedTargetThatCannotCatchUp_whenSwitchedOver_thenRefusedAfterUndoingTheSyncSettingAndNothingFenced() {
        lab.host("pg3").lsn = Lsn.parse("0/3000000");

        Outcome outcome = fixture.automation.switchover("pg3", "req-1");

        assertEquals(Outcome.Action.REFUSED, outcome.action(), outcome::reason);
        assertTrue(outcome.reason().contains("pg3 was still 96 bytes behind pg1 (replayed 0/3000000, primary at"
                + " 0/3000060) after 30 s"), outcome::reason);
        assertTrue(outcome.reason().contains("pg1 remains the primary"), outcome::reason);
        assertEquals(List.of("pgpilot-RepointStandby [pg3]", "pgpilot-ConfigurePrimary [pg1]",
                "pgpilot-ConfigurePrimary [pg1]"), lab.journal);
        assertEquals("pg3", lab.sent.get(1).parameters().get("syncStandbys"), "only the target while it catches up");
        assertEquals(List.of("pg2"), lab.host("pg1").sync, "the synchronous setting is put back");
        assertFalse(lab.documents().contains(Ec2StepExecutor.FENCE_NODE));
    }

    @Test
    void givenTargetThatIsAlreadyPrimary_whenSwitchedOver_thenNoOp() {
        Outcome outcome = fixture.automation.switchover("pg1", "req-1");

        assertEquals(Outcome.Action.NO_OP, outcome.action());
        assertEquals("pg1", outcome.primary());
        assertEquals(List.of(), lab.journal);
    }

    @Test
    void givenUnknownTargetOrFailedPrimary_whenSwitchedOver_thenRefusedWithTheReason() {
        Outcome unknown = fixture.automation.switchover("pg9", "req-1");
        lab.host("pg1").postgresUp = false;
        Outcome primaryDown = fixture.automation.switchover("pg2", "req-2");

        assertEquals(Outcome.Action.REFUSED, unknown.action());
        assertTrue(unknown.reason().contains("pg9 is not a database node of cluster lab"), unknown::reason);
        assertEquals(Outcome.Action.REFUSED, primaryDown.action());
        assertTrue(primaryDown.reason().contains("a failed one is failed over"), primaryDown::reason);
        assertEquals(List.of(), lab.journal);
    }

    @Test
    void givenOldPrimaryThatCannotRejoin_whenSwitchedOver_thenTheSwitchStandsAndItIsFencedAgainAndTold() {
        lab.failNext(Ec2StepExecutor.REBUILD_STANDBY, "ERROR: cannot open a replication connection to pg2:5432");

        Outcome outcome = fixture.automation.switchover("pg2", "req-1");

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertEquals("pg2", outcome.primary());
        assertTrue(outcome.reason().contains("pg1 did not rejoin") && outcome.reason().contains(
                "cannot open a replication connection"), outcome::reason);
        assertTrue(lab.host("pg1").fenced);
        assertTrue(fixture.services.notices.stream().anyMatch(n -> n.subject().contains("pg1 did not rejoin")),
                () -> fixture.services.notices.toString());
    }

    @Test
    void givenOldPrimaryWhoseRebuildOutlastsTheWait_whenSwitchedOver_thenTheSwitchStandsAndItIsLeftRebuildingUnfenced() {
        lab.lasting(Ec2StepExecutor.REBUILD_STANDBY, Duration.ofSeconds(400));

        Outcome outcome = fixture.automation.switchover("pg2", "req-1");

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertEquals("pg2", outcome.primary());
        assertTrue(outcome.reason().contains("pg1 is still being rebuilt: the rebuild of pg1 from pg2"), outcome::reason);
        assertFalse(lab.host("pg1").fenced, "a rebuild that may still succeed is not fenced");
        assertEquals("rebuild", lab.host("pg1").tags.get("pgpilot:role"));
        assertTrue(fixture.services.notices.stream().noneMatch(n -> n.subject().contains("did not rejoin")),
                () -> fixture.services.notices.toString());
    }
}

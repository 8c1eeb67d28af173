package io.pgpilot.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.Role;
import io.pgpilot.ec2.Ec2StepExecutor;
import io.pgpilot.fakes.FakeCluster;
import io.pgpilot.fakes.Fixture;
import io.pgpilot.runner.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** pgpool's report of a backend it detached, as its failover_command publishes it, through the handler. */
class PgpoolSensorHandlerTest {

    private static final String REPORT = LambdaEvents.resource("pgpool-backend-down.json");

    private final Fixture fixture = Fixture.seedChain();
    private final FakeCluster lab = fixture.lab;
    private final PgpoolSensorHandler handler = new PgpoolSensorHandler(fixture.automation);

    private Outcome handle(String json) {
        return handler.handleRequest(LambdaEvents.eventBridge(json), null);
    }

    /** The same report as another delivery, or another pgpool's or session's: its own event id. */
    private static String delivery(int n) {
        return REPORT.replace("5e1b4f3c-8a2d-4c71-9f0e-2b6d7a9c1e40", "report-" + n);
    }

    private void assertIgnoredAndNothingDone(Outcome outcome, String why) {
        assertEquals(Outcome.Action.IGNORED, outcome.action(), outcome::reason);
        assertTrue(outcome.reason().startsWith("ignored: ") && outcome.reason().contains(why), outcome::reason);
        assertTrue(!outcome.reason().contains("\n"), outcome::reason);
        assertEquals(List.of(), lab.journal);
        assertEquals(List.of(), lab.sent);
        assertEquals(0, lab.probes, "nothing is confirmed on a report that is not acted on");
        assertEquals(Set.of(), fixture.services.processed);
    }

    /** The report with {@code from} replaced by {@code to} is ignored for {@code why}, and nothing is done. */
    private void assertIgnoredWhen(String from, String to, String why) {
        assertIgnoredAndNothingDone(handle(REPORT.replace(from, to)), why);
    }

    @Test
    void givenAPrimaryThatAnswers_whenOnePgpoolReportsItDown_thenNoFailoverAndEveryPgpoolReattachesIt() {
        Outcome outcome = handle(REPORT);

        assertEquals(Outcome.Action.REATTACHED, outcome.action(), outcome::reason);
        assertEquals("pg1", outcome.primary());
        assertTrue(outcome.reason().contains("pgpool pgpool1 reported pg1 down; pgpilot finds it alive"),
                outcome::reason);
        assertEquals(List.of(Ec2StepExecutor.PGPOOL_BACKENDS), lab.documents(), "nothing fenced, promoted or retagged");
        Map<String, String> parameters = lab.sent.get(0).parameters();
        assertEquals("pg1", parameters.get("attach"));
        assertEquals("20", parameters.get("attachWaitSeconds"));
        assertEquals("pg1:5432:0:ALLOW_TO_FAILOVER,pg2:5432:1:ALLOW_TO_FAILOVER,pg3:5432:1:ALLOW_TO_FAILOVER",
                parameters.get("backends"));
        assertEquals("completed", fixture.services.history.get(0).outcome());
        assertTrue(fixture.log().contains("\"trigger\":\"pgpool pgpool1 reports pg1 (10.87.0.11) down: detached\""),
                fixture::log);
        assertEquals(Set.of(), fixture.services.processed,
                "after a re-attach a report is a new detachment, confirmed afresh");
    }

    @Test
    void givenACrashedPrimary_whenTenReportsArriveWhileTheFirstRuns_thenOneRunFailsOverAndNineAreCoalesced() {
        lab.host("pg1").postgresUp = false;
        List<Outcome> others = new ArrayList<>();
        fixture.services.beforeAcquire = () -> {
            fixture.services.beforeAcquire = () -> { };
            for (int n = 1; n <= 9; n++) {
                others.add(handle(delivery(n)));
            }
        };

        Outcome first = handle(REPORT);

        assertEquals(Outcome.Action.COMPLETED, first.action(), first::reason);
        assertEquals("pg2", first.primary());
        assertEquals("stop pg1 (force)", lab.journal.get(0));
        assertEquals(1, lab.documents().stream().filter(Ec2StepExecutor.PROMOTE_STANDBY::equals).count());
        assertEquals(9, others.size());
        for (Outcome other : others) {
            assertEquals(Outcome.Action.COALESCED, other.action(), other::reason);
            assertTrue(other.reason().contains("coalesced into the run that an earlier report of pg1 started"),
                    other::reason);
        }
        assertEquals(1, fixture.services.history.size());
    }

    @Test
    void givenAFailoverDone_whenALateReportArrives_thenCoalescedWithinTheWindowAndANoOpAfterIt() {
        lab.host("pg1").postgresUp = false;
        assertEquals(Outcome.Action.COMPLETED, handle(REPORT).action());
        int commands = lab.sent.size();
        int probes = lab.probes;

        Outcome late = handle(delivery(2));
        fixture.clock.advance(Duration.ofSeconds(61));
        Outcome later = handle(delivery(3));

        assertEquals(Outcome.Action.COALESCED, late.action(), late::reason);
        assertEquals(Outcome.Action.NO_OP, later.action(), later::reason);
        assertTrue(later.reason().contains("pgpool pgpool1 reported pg1 down, which is out of service (tagged rebuild)"),
                later::reason);
        assertEquals(commands, lab.sent.size(), "nothing sent for either");
        assertTrue(lab.probes > probes, "the later report was confirmed by probing");
        assertEquals(Role.REBUILD.tag(), lab.host("pg1").tags.get("pgpilot:role"));
    }

    @Test
    void givenAPgpoolThatCannotReachTheNodeAgain_whenTheReattachFails_thenTheInvocationFailsAndTheReportIsForgotten() {
        lab.failNext(Ec2StepExecutor.PGPOOL_BACKENDS, "ERROR: pgpool here still cannot reach pg1 after 20 s");

        RunFailedException failure = assertThrows(RunFailedException.class, () -> handle(REPORT));

        assertTrue(failure.getMessage().contains("still cannot reach pg1"), failure::getMessage);
        assertEquals(Set.of(), fixture.services.processed, "forgotten, so Lambda's retry confirms again");
        assertEquals(Outcome.Action.REATTACHED, handle(REPORT).action(), "the retry runs and re-attaches");
    }

    @Test
    void givenAReportThatMeetsAnotherRunsLease_whenHandled_thenNoErrorAndTheNextReportRuns() {
        var other = fixture.services.tryAcquire("lab", "req-other", Duration.ofMinutes(3), fixture.clock.instant())
                .orElseThrow();

        assertEquals(Outcome.Action.LEASE_HELD, handle(REPORT).action());
        assertEquals(Set.of(), fixture.services.processed);
        fixture.services.release(other, fixture.clock.instant());
        assertEquals(Outcome.Action.REATTACHED, handle(delivery(2)).action());
    }

    @Test
    void givenAnAddressOtherThanEc2s_whenReported_thenTheRunSaysThatPgpoolsHostsFileMayBeStale() {
        handle(REPORT.replace("10.87.0.11", "10.87.0.99"));

        assertTrue(fixture.log().contains("pgpool pgpool1 reports pg1 (10.87.0.99) down: detached; EC2 gives pg1"
                + " address 10.87.0.11: that pgpool host's hosts file may be stale"), fixture::log);
    }

    @Test
    void givenReportsOfAnotherClusterAnUnknownNodeOrFromAHostThatIsNoPgpool_whenHandled_thenIgnoredAndNothingDone() {
        assertIgnoredWhen("\"cluster\": \"lab\"", "\"cluster\": \"prod\"",
                "a pgpool report for cluster \"prod\", not lab: forged, or routed here by mistake");
        assertIgnoredWhen("\"node\": \"pg1\"", "\"node\": \"pg9\"",
                "cluster lab has no database node pg9 (its nodes: pg1, pg2, pg3)");
        assertIgnoredWhen("\"node\": \"pg1\"", "\"node\": \"app1\"",
                "cluster lab has no database node app1");
        assertIgnoredWhen("\"pgpool\": \"pgpool1\"", "\"pgpool\": \"app1\"",
                "app1 is not a pgpool host of cluster lab");
        assertIgnoredWhen("\"pgpool\": \"pgpool1\"", "\"pgpool\": \"pgpool9\"",
                "pgpool9 is not a pgpool host of cluster lab");
    }

    @Test
    void givenMalformedOrHostileReports_whenHandled_thenEachIsIgnoredWithItsReasonAndNothingDone() {
        assertIgnoredAndNothingDone(handler.handleRequest(null, null), "empty event");
        assertIgnoredWhen("\"pgpilot.pgpool\"", "\"aws.ec2\"",
                "expected source pgpilot.pgpool, detail-type pgpool backend down");
        assertIgnoredWhen("\"pgpool backend down\"", "\"pgpool backend up\"",
                "detail-type \"pgpool backend up\"");
        assertIgnoredWhen("\"5e1b4f3c-8a2d-4c71-9f0e-2b6d7a9c1e40\"", "\"\"",
                "without an id");
        assertIgnoredWhen("\"node\": \"pg1\"", "\"node\": \"pg1\\n10.0.0.1 evil\"",
                "a malformed pgpool report: node \"pg1\\u000a10.0.0.1 evil\" is not a valid host name");
        assertIgnoredWhen("\"node\": \"pg1\"", "\"node\": \"$(reboot)\"",
                "is not a valid host name");
        assertIgnoredWhen("\"reason\": \"detached\"", "\"reason\": \"x; rm -rf /\"",
                "reason \"x; rm -rf /\" is not a short token");
        assertIgnoredWhen("\"address\": \"10.87.0.11\"", "\"address\": 7",
                "address is not text (found \"7\")");
        assertIgnoredWhen("\"pgpool\": \"pgpool1\",", "", "it has no pgpool");
        assertIgnoredAndNothingDone(handle(REPORT.replaceAll("(?s)\"detail\": \\{.*?\\}", "\"detail\": null")),
                "has no detail");
    }

    @Test
    void givenAnAuroraCluster_whenPgpoolReports_thenIgnoredAsAuroraFailsOverItself() {
        io.pgpilot.fakes.AuroraFixture aurora = new io.pgpilot.fakes.AuroraFixture();

        Outcome outcome = new PgpoolSensorHandler(aurora.automation).handleRequest(LambdaEvents.eventBridge(
                REPORT.replace("\"cluster\": \"lab\"", "\"cluster\": \"" + aurora.config.cluster() + "\"")), null);

        assertEquals(Outcome.Action.IGNORED, outcome.action(), outcome::reason);
        assertTrue(outcome.reason().contains("PGPILOT_ENGINE=aurora"), outcome::reason);
    }
}

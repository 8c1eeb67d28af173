package io.pgpilot.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.ec2.Ec2StepExecutor;
import io.pgpilot.fakes.FakeCluster;
import io.pgpilot.fakes.Fixture;
import io.pgpilot.runner.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The schedule's backup request, {"type": "full"|"diff"|"incr"}: started on a streaming standby. */
class BackupHandlerTest {

    private final Fixture fixture = new Fixture(FakeCluster.seedChain(), Map.of("PGPILOT_ARCHIVE_STANZA", "lab"));
    private final BackupHandler handler = new BackupHandler(fixture.automation);

    @Test
    void givenTheSeedChain_whenAFullBackupIsAsked_thenItStartsOnTheAsynchronousStandbyWithThePrimaryNamed() {
        Outcome outcome = handler.handleRequest(LambdaEvents.map("{\"type\": \"full\"}"), null);

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertTrue(outcome.reason().contains("from pg3"), outcome::reason);
        FakeCluster.Sent sent = fixture.lab.sent.get(fixture.lab.sent.size() - 1);
        assertEquals(Ec2StepExecutor.BACKUP, sent.document());
        assertEquals(Map.of("pgVersion", "15", "cluster", "pg3", "stanza", "lab", "type", "full", "primaryHost", "pg1",
                "primaryCluster", "pg1"), sent.parameters());
        assertEquals(List.of(fixture.lab.host("pg3").id), sent.target().instanceIds());
    }

    @Test
    void givenABackupStillRunning_whenTheNextIsAsked_thenNoneIsStartedAndTheResultSaysWhy() {
        fixture.lab.lasting(Ec2StepExecutor.BACKUP, Duration.ofHours(5));
        handler.handleRequest(LambdaEvents.map("{\"type\": \"full\"}"), null);
        int sent = fixture.lab.sent.size();

        Outcome outcome = handler.handleRequest(LambdaEvents.map("{\"type\": \"diff\"}"), null);

        assertEquals(sent, fixture.lab.sent.size(), "no second pgpilot-Backup");
        assertTrue(outcome.steps().toString().contains("a backup still runs on pg3"), () -> outcome.steps().toString());
    }

    @Test
    void givenMalformedRequests_whenHandled_thenIgnoredWithTheReasonAndNothingSent() {
        List<String> requests = List.of("{}", "{\"type\": \"weekly\"}", "{\"type\": 1}", "{\"type\": \"full\", \"on\": \"pg1\"}");
        List<String> reasons = List.of("has no type", "backup type \"weekly\"", "has no type text",
                "unknown field \"on\"");
        for (int i = 0; i < requests.size(); i++) {
            Outcome outcome = handler.handleRequest(LambdaEvents.map(requests.get(i)), null);
            assertEquals(Outcome.Action.IGNORED, outcome.action(), outcome::reason);
            assertTrue(outcome.reason().contains(reasons.get(i)), outcome::reason);
        }
        assertEquals(Outcome.Action.IGNORED, handler.handleRequest(null, null).action());
        assertEquals(List.of(), fixture.lab.journal);
    }

    @Test
    void givenAClusterWithoutArchive_whenABackupIsAsked_thenIgnoredWithTheReason() {
        Fixture bare = Fixture.seedChain();

        Outcome outcome = new BackupHandler(bare.automation).handleRequest(LambdaEvents.map("{\"type\": \"full\"}"), null);

        assertEquals(Outcome.Action.IGNORED, outcome.action(), outcome::reason);
        assertTrue(outcome.reason().contains("has no WAL archive (PGPILOT_ARCHIVE_STANZA is not set)"), outcome::reason);
        assertEquals(List.of(), bare.lab.journal);
    }
}

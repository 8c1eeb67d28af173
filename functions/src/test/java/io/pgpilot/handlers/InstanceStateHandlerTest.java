package io.pgpilot.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import io.pgpilot.core.Ec2State;
import io.pgpilot.core.ports.CommandTarget;
import io.pgpilot.ec2.Ec2StepExecutor;
import io.pgpilot.fakes.FakeCluster;
import io.pgpilot.fakes.Fixture;
import io.pgpilot.runner.Outcome;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** EC2 Instance State-change Notification, in AWS's documented shape, through the handler. */
class InstanceStateHandlerTest {

    private static final String STOPPED = LambdaEvents.resource("ec2-instance-state-change-stopped.json");
    private static final String RUNNING = LambdaEvents.resource("ec2-instance-state-change-running.json");

    private final Fixture fixture = Fixture.seedChain();
    private final FakeCluster lab = fixture.lab;
    private final InstanceStateHandler handler = new InstanceStateHandler(fixture.automation);

    private Outcome handle(String json) {
        return handler.handleRequest(LambdaEvents.eventBridge(json), null);
    }

    private void assertIgnoredAndNothingDone(Outcome outcome, String why) {
        assertEquals(Outcome.Action.IGNORED, outcome.action(), outcome::reason);
        assertTrue(outcome.reason().startsWith("ignored: ") && outcome.reason().contains(why), outcome::reason);
        assertEquals(List.of(), lab.journal);
        assertEquals(Set.of(), fixture.services.processed, "an ignored event is not recorded");
        assertTrue(fixture.log().contains("\"event\":\"ignored\""), fixture::log);
    }

    @Test
    void givenDocumentedEvent_whenDeserializedAsTheRuntimeDoes_thenItsFieldsAreThere() {
        ScheduledEvent event = LambdaEvents.eventBridge(STOPPED);

        assertEquals("7bf73129-1428-4cd3-a780-95db273d1602", event.getId());
        assertEquals("EC2 Instance State-change Notification", event.getDetailType());
        assertEquals("aws.ec2", event.getSource());
        assertEquals("i-0000000000000000b", event.getDetail().get("instance-id"));
        assertEquals("stopped", event.getDetail().get("state"));
    }

    @Test
    void givenPrimaryStoppedEvent_whenHandled_thenFailoverToPg2() {
        lab.host("pg1").ec2 = Ec2State.STOPPED;
        lab.host("pg1").postgresUp = false;

        Outcome outcome = handle(STOPPED);

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertEquals("pg2", outcome.primary());
        assertTrue(lab.documents().contains(Ec2StepExecutor.PROMOTE_STANDBY));
    }

    @Test
    void givenTheSameEventDeliveredTwice_whenHandled_thenTheSecondIsANoOpThatReportsThePrimary() {
        lab.host("pg1").ec2 = Ec2State.STOPPED;
        lab.host("pg1").postgresUp = false;
        handle(STOPPED);
        int commands = lab.sent.size();

        Outcome again = handle(STOPPED);

        assertEquals(Outcome.Action.DUPLICATE, again.action());
        assertEquals("pg2", again.primary());
        assertTrue(again.reason().contains("was already handled"), again::reason);
        assertEquals(commands, lab.sent.size());
    }

    @Test
    void givenRunningEvent_whenHandled_thenOneUpdateHostsToTheWholeCluster() {
        Outcome outcome = handle(RUNNING);

        assertEquals(Outcome.Action.PUBLISHED, outcome.action(), outcome::reason);
        assertEquals("pg1", outcome.primary());
        assertEquals(1, lab.sent.size());
        assertEquals(CommandTarget.cluster("lab"), lab.sent.get(0).target());
        assertTrue(lab.sent.get(0).parameters().get("entries").contains("10.87.0.11 pg1 pg-primary"));
    }

    @Test
    void givenRunningEventWithADnsZone_whenHandled_thenTheRecordNamesThePrimaryToo() {
        Fixture withDns = new Fixture(FakeCluster.seedChain(), java.util.Map.of("PGPILOT_HOSTED_ZONE_ID",
                "Z0123456789ABCDEFGHIJ", "PGPILOT_DNS_NAME", "pg-primary.lab.internal"));

        Outcome outcome = new InstanceStateHandler(withDns.automation).handleRequest(LambdaEvents.eventBridge(RUNNING),
                null);

        assertEquals(Outcome.Action.PUBLISHED, outcome.action(), outcome::reason);
        assertEquals("10.87.0.11", withDns.services.records.get("pg-primary.lab.internal"));
    }

    @Test
    void givenUnknownInstance_whenHandled_thenIgnoredWithTheReason() {
        assertIgnoredAndNothingDone(handle(STOPPED.replace("i-0000000000000000b", "i-0123456789abcdef0")),
                "EC2 knows no such instance");
    }

    @Test
    void givenInstanceOfAnotherCluster_whenHandled_thenIgnoredWithTheReason() {
        lab.add("db1", 99, "prod").tags.put("pgpilot:role", "primary");

        assertIgnoredAndNothingDone(handle(STOPPED.replace("i-0000000000000000b", lab.id("db1"))),
                "belongs to pgpilot cluster \"prod\", not lab");
    }

    @Test
    void givenInstanceWithoutPgpilotTags_whenHandled_thenIgnoredWithTheReason() {
        lab.add("web", 98, null);

        assertIgnoredAndNothingDone(handle(STOPPED.replace("i-0000000000000000b", lab.id("web"))), "no pgpilot tags");
    }

    @Test
    void givenClusterInstanceWithoutAName_whenHandled_thenIgnoredWithTheReason() {
        lab.add("nameless", 97, null).tags.put("pgpilot:cluster", "lab");

        assertIgnoredAndNothingDone(handle(STOPPED.replace("i-0000000000000000b", lab.id("nameless"))),
                "has no pgpilot:name");
    }

    @Test
    void givenNonDatabaseHostStopped_whenHandled_thenIgnoredBecauseThereIsNothingToFailOver() {
        assertIgnoredAndNothingDone(handle(STOPPED.replace("i-0000000000000000b", lab.id("pgpool1"))),
                "pgpool1 is not a database node (pgpilot:role=pgpool)");
    }

    @Test
    void givenMalformedEvents_whenHandled_thenEachIsIgnoredWithItsReasonAndNothingDone() {
        assertIgnoredAndNothingDone(handler.handleRequest(null, null), "empty event");
        assertIgnoredAndNothingDone(handle(STOPPED.replace("\"aws.ec2\"", "\"aws.s3\"")),
                "expected source aws.ec2");
        assertIgnoredAndNothingDone(handle(STOPPED.replace("EC2 Instance State-change Notification",
                "EC2 Spot Instance Interruption Warning")), "detail-type \"EC2 Spot Instance Interruption Warning\"");
        assertIgnoredAndNothingDone(handle(STOPPED.replace("\"7bf73129-1428-4cd3-a780-95db273d1602\"", "\"\"")),
                "without an id");
        assertIgnoredAndNothingDone(handle(STOPPED.replace("\"stopped\"", "\"hibernating\"")),
                "unknown state \"hibernating\"");
        assertIgnoredAndNothingDone(handle(STOPPED.replace("\"state\": \"stopped\"", "\"state\": 7")),
                "has no state text (found \"7\")");
        assertIgnoredAndNothingDone(handle(STOPPED.replace("\"instance-id\": \"i-0000000000000000b\"",
                "\"instance-id\": \"i-$(reboot)\"")), "is not an EC2 instance id");
        assertIgnoredAndNothingDone(handle(STOPPED.replaceAll("(?s)\"detail\": \\{.*?\\}", "\"detail\": null")),
                "has no detail");
    }

    @Test
    void givenARunThatFails_whenHandled_thenTheInvocationFailsAndTheEventIsForgottenForItsRetry() {
        lab.host("pg1").ec2 = Ec2State.STOPPED;
        lab.host("pg1").postgresUp = false;
        lab.failNext(Ec2StepExecutor.PROMOTE_STANDBY, "PromoteStandby 15/pg2: PostgreSQL does not answer");

        RunFailedException failure = assertThrows(RunFailedException.class, () -> handle(STOPPED));

        assertTrue(failure.getMessage().contains("PostgreSQL does not answer"), failure::getMessage);
        assertEquals(Set.of(), fixture.services.processed);
        assertEquals(Outcome.Action.COMPLETED, handle(STOPPED).action(), "the retry runs again and completes");
    }

    @Test
    void givenAnEventThatMeetsAnotherRunsLease_whenHandled_thenItIsNoErrorAndNotDropped() {
        var other = fixture.services.tryAcquire("lab", "req-other", java.time.Duration.ofMinutes(3),
                fixture.clock.instant()).orElseThrow();

        Outcome held = handle(RUNNING);

        assertEquals(Outcome.Action.LEASE_HELD, held.action(), "returned, not thrown: no Errors alarm for it");
        assertEquals(Set.of(), fixture.services.processed, "forgotten, so its redelivery runs");
        fixture.services.release(other, fixture.clock.instant());
        assertEquals(Outcome.Action.PUBLISHED, handle(RUNNING).action(), "the redelivery runs");
    }
}

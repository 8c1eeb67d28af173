package io.pgpilot.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.fakes.AuroraFixture;
import io.pgpilot.runner.Outcome;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The same entry points in Aurora mode (PGPILOT_ENGINE=aurora), events read as the Lambda runtime reads them. */
class AuroraHandlersTest {

    private static final String ALARM = LambdaEvents.resource("cloudwatch-alarm-state-change.json");
    private static final String TICK = LambdaEvents.resource("scheduled-event.json");
    private static final String STOPPED = LambdaEvents.resource("ec2-instance-state-change-stopped.json");

    private final AuroraFixture fixture = new AuroraFixture();

    private Outcome alarm(String json) {
        return new AlarmHandler(fixture.automation).handleRequest(LambdaEvents.eventBridge(json), null);
    }

    @Test
    void givenThisClustersAlarmWithTheWritersEndpointDead_whenHandled_thenAuroraFailsOverToTheChosenReader() {
        fixture.aurora.endpointAnswers = false;

        Outcome outcome = alarm(ALARM);
        Outcome redelivered = alarm(ALARM);

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertEquals("db-c", outcome.primary());
        assertEquals(List.of("failover lab-aurora to db-c"), fixture.aurora.journal);
        assertEquals(Outcome.Action.DUPLICATE, redelivered.action(), redelivered::reason);
        assertEquals("db-c", redelivered.primary());
    }

    @Test
    void givenAnotherClustersAlarmOrAnOkOne_whenHandled_thenIgnoredWithoutLookingAtRds() {
        fixture.aurora.endpointAnswers = false;

        Outcome other = alarm(ALARM.replace("pgpilot-lab-primary-reachable", "pgpilot-prod-primary-reachable"));
        Outcome ok = alarm(ALARM.replace("\"value\": \"ALARM\"", "\"value\": \"OK\""));

        assertEquals(Outcome.Action.IGNORED, other.action());
        assertEquals(Outcome.Action.IGNORED, ok.action());
        assertEquals(0, fixture.aurora.describes);
    }

    @Test
    void givenAFailoverThatDoesNotTakeEffect_whenHandled_thenTheInvocationFailsForLambdaToRetry() {
        fixture.aurora.endpointAnswers = false;
        fixture.aurora.describesUntilSwitch = -1;

        RunFailedException failure = assertThrows(RunFailedException.class, () -> alarm(ALARM));

        assertEquals(Outcome.Action.FAILED, failure.outcome().action());
        assertTrue(failure.getMessage().contains("RDS does not report db-c the writer"), failure::getMessage);
    }

    @Test
    void givenTheSchedule_whenTheWriterIsHealthy_thenObservedAndWhenItIsDead_thenFailedOver() {
        MonitorHandler monitor = new MonitorHandler(fixture.automation);

        Outcome healthy = monitor.handleRequest(LambdaEvents.eventBridge(TICK), null);
        fixture.aurora.endpointAnswers = false;
        Outcome dead = monitor.handleRequest(LambdaEvents.eventBridge(TICK), null);

        assertEquals(Outcome.Action.OBSERVED, healthy.action(), healthy::reason);
        assertEquals(Outcome.Action.COMPLETED, dead.action(), dead::reason);
        assertEquals("db-c", dead.primary());
    }

    @Test
    void givenAnEc2StateChange_whenAuroraMode_thenIgnoredWithTheReason() {
        Outcome outcome = new InstanceStateHandler(fixture.automation)
                .handleRequest(LambdaEvents.eventBridge(STOPPED), null);

        assertEquals(Outcome.Action.IGNORED, outcome.action());
        assertTrue(outcome.reason().contains("PGPILOT_ENGINE=aurora"), outcome::reason);
        assertEquals(List.of(), fixture.ec2.journal);
        assertEquals(List.of(), fixture.aurora.journal);
    }
}

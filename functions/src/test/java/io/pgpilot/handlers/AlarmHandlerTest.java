package io.pgpilot.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.Ec2State;
import io.pgpilot.fakes.Fixture;
import io.pgpilot.runner.Outcome;
import java.util.List;
import org.junit.jupiter.api.Test;

/** CloudWatch Alarm State Change, in AWS's documented shape (single metric alarm), through the handler. */
class AlarmHandlerTest {

    private static final String ALARM = LambdaEvents.resource("cloudwatch-alarm-state-change.json");

    private final Fixture fixture = Fixture.seedChain();
    private final AlarmHandler handler = new AlarmHandler(fixture.automation);

    private Outcome handle(String json) {
        return handler.handleRequest(LambdaEvents.eventBridge(json), null);
    }

    @Test
    void givenThisClustersAlarmWhileThePrimaryIsHealthy_whenHandled_thenTheProbesConfirmNothingAndNothingIsDone() {
        Outcome outcome = handle(ALARM);

        assertEquals(Outcome.Action.NO_OP, outcome.action(), outcome::reason);
        assertEquals("pg1", outcome.primary());
        assertEquals(List.of(), fixture.lab.journal);
    }

    @Test
    void givenThisClustersAlarmWhileThePrimaryIsDown_whenHandled_thenItIsConfirmedAndFailedOver() {
        fixture.lab.host("pg1").postgresUp = false;

        Outcome outcome = handle(ALARM);

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertEquals("pg2", outcome.primary());
        assertEquals("stop pg1 (force)", fixture.lab.journal.get(0));
    }

    @Test
    void givenAnotherClustersAlarmOrAnOkStateOrAMalformedOne_whenHandled_thenIgnoredWithTheReason() {
        fixture.lab.host("pg1").ec2 = Ec2State.STOPPED;
        List<Outcome> outcomes = List.of(
                handle(ALARM.replace("pgpilot-lab-primary-reachable", "pgpilot-prod-primary-reachable")),
                handle(ALARM.replace("pgpilot-lab-primary-reachable", "ServerCpuTooHigh")),
                handle(ALARM.replace("\"value\": \"ALARM\"", "\"value\": \"OK\"")),
                handle(ALARM.replace("\"value\": \"ALARM\"", "\"value\": \"INSUFFICIENT_DATA\"")),
                handle(ALARM.replace("\"alarmName\": \"pgpilot-lab-primary-reachable\",", "")),
                handle(ALARM.replace("CloudWatch Alarm State Change", "CloudWatch Alarm Configuration Change")));

        List<String> expected = List.of("is not one of cluster lab's (their names start with pgpilot-lab-)",
                "\"ServerCpuTooHigh\" is not one of cluster lab's", "changed to \"OK\": only ALARM calls for action",
                "changed to \"INSUFFICIENT_DATA\"", "has no alarmName", "expected source aws.cloudwatch");
        for (int i = 0; i < outcomes.size(); i++) {
            Outcome outcome = outcomes.get(i);
            assertEquals(Outcome.Action.IGNORED, outcome.action(), outcome::reason);
            assertTrue(outcome.reason().contains(expected.get(i)), outcome::reason);
        }
        assertEquals(List.of(), fixture.lab.journal);
        assertEquals(0, fixture.lab.probes);
    }
}

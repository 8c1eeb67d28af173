package io.pgpilot.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.workflow.Fixture;
import io.pgpilot.workflow.Outcome;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The manual switchover request: {"target": "NODE"}. */
class SwitchoverHandlerTest {

    private final Fixture fixture = Fixture.seedChain();
    private final SwitchoverHandler handler = new SwitchoverHandler(fixture.automation);

    @Test
    void givenRequestForPg2_whenHandled_thenPg2IsThePrimary() {
        Outcome outcome = handler.handleRequest(LambdaEvents.map("{\"target\": \"pg2\"}"), null);

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertEquals("pg2", outcome.primary());
    }

    @Test
    void givenMalformedRequests_whenHandled_thenIgnoredWithTheReasonAndNothingDone() {
        List<String> requests = List.of("{}", "{\"target\": \"\"}", "{\"target\": 2}", "{\"target\": \"pg2; reboot\"}",
                "{\"target\": \"pg2\", \"force\": true}");
        List<String> reasons = List.of("has no target", "has no target", "has no target text (found \"2\")",
                "is not a node name", "unknown field \"force\"");
        for (int i = 0; i < requests.size(); i++) {
            Outcome outcome = handler.handleRequest(LambdaEvents.map(requests.get(i)), null);
            assertEquals(Outcome.Action.IGNORED, outcome.action(), outcome::reason);
            assertTrue(outcome.reason().contains(reasons.get(i)), outcome::reason);
        }
        assertEquals(Outcome.Action.IGNORED, handler.handleRequest(null, null).action());
        assertEquals(List.of(), fixture.lab.journal);
    }
}

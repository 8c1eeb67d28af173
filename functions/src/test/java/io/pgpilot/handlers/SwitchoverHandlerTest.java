package io.pgpilot.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.fakes.Fixture;
import io.pgpilot.runner.Outcome;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An operator's requests: a switchover, {"target": "NODE"}, and a forced failover, {"failover": "force"}. */
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
        for (String request : List.of("{\"failover\": \"yes\"}", "{\"failover\": \"force\", \"target\": \"pg3\"}")) {
            Outcome outcome = handler.handleRequest(LambdaEvents.map(request), null);
            assertEquals(Outcome.Action.IGNORED, outcome.action(), outcome::reason);
            assertTrue(outcome.reason().contains("a failover is only ever requested forced"), outcome::reason);
        }
        assertEquals(List.of(), fixture.lab.journal);
    }

    @Test
    void givenAFailoverRefusedForSafety_whenAnOperatorForcesIt_thenTheBestStandbyIsPromotedAndTheLossIsStated() {
        fixture.automation.monitor("req-0");   // records pg1 and its synchronous standby pg2
        fixture.lab.host("pg1").postgresUp = false;
        fixture.lab.host("pg2").postgresUp = false;
        assertEquals(Outcome.Action.REFUSED, fixture.automation.monitor("req-1").action());

        Outcome outcome = handler.handleRequest(LambdaEvents.map("{\"failover\": \"force\"}"), null);

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertEquals("pg3", outcome.primary());
        assertTrue(outcome.reason().contains("FORCED: pg3 is not known to hold every acknowledged commit"),
                outcome::reason);
    }

    @Test
    void givenAHealthyPrimary_whenAnOperatorForcesAFailover_thenNothingIsPromoted() {
        Outcome outcome = handler.handleRequest(LambdaEvents.map("{\"failover\": \"force\"}"), null);

        assertEquals(Outcome.Action.NO_OP, outcome.action(), outcome::reason);
        assertEquals("pg1", outcome.primary());
    }
}

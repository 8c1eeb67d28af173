package io.pgpilot.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgpilot.runner.Outcome;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a handler returns is what the Lambda runtime's serializer writes. */
class OutcomeSerializationTest {

    @Test
    void givenOutcome_whenSerializedAsTheRuntimeDoes_thenPlainJsonWithEveryField() {
        Map<String, Long> phases = new LinkedHashMap<>();
        phases.put("detection", 1000L);
        phases.put("total", 1200L);
        Outcome outcome = new Outcome(Outcome.Action.COMPLETED, "lab", "pg2", "failover from pg1 to pg2",
                List.of("Promote[node=pg2]: DONE: pg2 accepts writes (41 ms)"), phases);

        String json = LambdaEvents.json(outcome, Outcome.class);

        assertEquals(Map.of("action", "COMPLETED", "cluster", "lab", "primary", "pg2",
                "reason", "failover from pg1 to pg2",
                "steps", List.of("Promote[node=pg2]: DONE: pg2 accepts writes (41 ms)"),
                "phaseMillis", Map.of("detection", 1000, "total", 1200)), LambdaEvents.map(json));
    }
}

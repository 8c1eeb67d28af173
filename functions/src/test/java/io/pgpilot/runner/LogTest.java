package io.pgpilot.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.fakes.FakeClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** One JSON object per line, each key once. */
class LogTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Log log = new Log(new PrintStream(out, true, StandardCharsets.UTF_8), new FakeClock());

    @Test
    void givenFields_whenLogged_thenOneJsonObjectWithTimeLevelEventThenTheFieldsAndNoNulls() {
        log.info("duplicate", "cluster", "lab", "eventId", "evt-1", "primary", null, "lag", 12);

        assertEquals("{\"time\":\"2026-03-01T03:00:00Z\",\"level\":\"INFO\",\"event\":\"duplicate\",\"cluster\":\"lab\","
                + "\"eventId\":\"evt-1\",\"lag\":12}\n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void givenAFieldNamedLikeALinesOwnKeyOrTwice_whenLogged_thenRejectedAsTheProgrammingErrorItIs() {
        for (String reserved : new String[] {"event", "time", "level"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> log.info("duplicate", "cluster", "lab", reserved, "evt-1"));
            assertTrue(e.getMessage().contains("log field " + reserved + " of duplicate appears twice or is one of"
                    + " [time, level, event]"), e::getMessage);
        }
        assertThrows(IllegalArgumentException.class, () -> log.warn("step", "cluster", "lab", "cluster", "lab"));
        assertEquals("", out.toString(StandardCharsets.UTF_8), "nothing half-written");
    }
}

package io.pgpilot.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How often a command's result is asked for while it runs. */
class SsmCommandsTest {

    @Test
    void givenPollPauses_whenRepeated_thenTheyDoubleUpToTwoSeconds() {
        List<Long> pauses = new ArrayList<>();
        Duration pause = SsmCommands.FIRST_POLL;
        for (int i = 0; i < 8; i++) {
            pauses.add(pause.toMillis());
            pause = SsmCommands.nextPause(pause);
        }
        assertEquals(List.of(100L, 200L, 400L, 800L, 1600L, 2000L, 2000L, 2000L), pauses);
    }
}

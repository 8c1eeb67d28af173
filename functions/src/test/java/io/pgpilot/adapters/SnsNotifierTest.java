package io.pgpilot.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** What SNS accepts as a subject. */
class SnsNotifierTest {

    @Test
    void givenSubjects_whenFittedForSns_thenNoControlCharactersAndAtMost99Characters() {
        assertEquals("pgpilot main: pg2 promoted", SnsNotifier.subject("pgpilot main: pg2 promoted"));
        assertEquals("line one  line two", SnsNotifier.subject(" line one\r\nline two\t"));
        assertEquals("", SnsNotifier.subject(null));
        String fitted = SnsNotifier.subject("x".repeat(150));
        assertEquals(99, fitted.length());
        assertTrue(fitted.endsWith("xxx..."));
        assertEquals("é".repeat(99), SnsNotifier.subject("é".repeat(99)));
        String emoji = SnsNotifier.subject("😀".repeat(120));
        assertEquals(99, emoji.codePointCount(0, emoji.length()));
    }
}

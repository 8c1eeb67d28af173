package io.pgpilot.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JsonLineTest {

    @Test
    void givenPromoteStandbyOutput_whenTheLastLineIsRead_thenItsMembersAreTyped() {
        String stdout = """
                main: promoting
                main: primary on timeline 2, accepts writes
                {"cluster":"main","promoted":true,"writable":true,"timeline":2,"lsn":"0/3000148"}
                """;

        assertEquals(Optional.of(Map.of("cluster", "main", "promoted", true, "writable", true, "timeline", 2L,
                "lsn", "0/3000148")), JsonLine.lastObject(stdout));
    }

    @Test
    void givenTrailingBlankLinesAndCrLf_whenRead_thenTheLastNonBlankLineCounts() {
        assertEquals(Optional.of(Map.of("changed", false)), JsonLine.lastObject("done\r\n{\"changed\":false}\r\n\r\n  \n"));
    }

    @Test
    void givenNestingEscapesAndNumbers_whenParsed_thenValuesAsJsonMeansThem() {
        Map<String, Object> parsed = JsonLine.parseObject(
                " { \"a\" : [1, -2, 0, 3.5, -1e3, 2E+2, 9223372036854775808], \"s\": \"q\\\"\\\\\\/\\n\\t\\u00e9\\u20ac\","
                        + " \"o\": {\"n\": null, \"e\": [], \"m\": {}}, \"b\": [true, false] } ");

        assertEquals(Arrays.asList(1L, -2L, 0L, 3.5, -1000.0, 200.0, 9.223372036854775808E18), parsed.get("a"));
        assertEquals("q\"\\/\n\té€", parsed.get("s"));
        Map<String, Object> inner = new java.util.HashMap<>();
        inner.put("n", null);
        inner.put("e", List.of());
        inner.put("m", Map.of());
        assertEquals(inner, parsed.get("o"));
        assertEquals(List.of(true, false), parsed.get("b"));
        assertEquals(List.of("a", "s", "o", "b"), List.copyOf(parsed.keySet()));
    }

    @Test
    void givenOutputWithoutAJsonObjectLast_whenRead_thenNothing() {
        for (String stdout : Arrays.asList(null, "", "\n\n", "all done", "[1, 2]", "\"text\"", "{\"a\":1}\nthen more",
                "{\"a\":1", "{\"a\":01}", "{\"a\":1,}", "{a:1}", "{\"a\":1}{}", "{\"a\":tru}", "{\"a\":\"x\ty\"}",
                "{\"a\":1, \"a\":2}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":-}", "{\"a\":1.}",
                "{\"a\":" + "[".repeat(100) + "]".repeat(100) + "}")) {
            assertEquals(Optional.empty(), JsonLine.lastObject(stdout), () -> "for " + stdout);
        }
    }

    @Test
    void givenMalformedJson_whenParsedStrictly_thenTheErrorSaysWhere() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JsonLine.parseObject("{\"a\": nope}"));

        assertTrue(e.getMessage().startsWith("invalid JSON at character 6: "), e.getMessage());
    }
}

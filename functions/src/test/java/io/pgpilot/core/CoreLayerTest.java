package io.pgpilot.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The build check that keeps the core pure: no AWS SDK, no JDBC, nothing from the layers above
 * it, no I/O and no clock read inside the logic. Comments and string literals do not count.
 */
class CoreLayerTest {

    /** Surefire runs in the module's directory. */
    private static final Path CORE = Path.of("src", "main", "java", "io", "pgpilot", "core");

    private static final Pattern FORBIDDEN = Pattern.compile(
            "\\b(software\\.amazon\\.awssdk|java\\.sql|javax\\.sql|io\\.pgpilot\\.adapters|io\\.pgpilot\\.handlers"
                    + "|java\\.io|java\\.nio|java\\.net)\\b"
                    + "|\\b(Instant|LocalDateTime|ZonedDateTime|OffsetDateTime|LocalDate|LocalTime)"
                    + "\\s*\\.\\s*now\\s*\\("
                    + "|\\bClock\\s*\\.\\s*system\\w*\\s*\\(|\\bSystem\\s*\\.\\s*(currentTimeMillis|nanoTime)\\s*\\(");

    @Test
    void givenCoreSources_whenScanned_thenNoneUsesTheAwsSdkJdbcTheUpperLayersIoOrTheClock() throws IOException {
        List<Path> sources;
        try (Stream<Path> files = Files.walk(CORE)) {
            sources = files.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
        List<String> violations = new ArrayList<>();
        for (Path source : sources) {
            violations.addAll(violations(source.toString(), Files.readString(source)));
        }

        assertTrue(sources.contains(CORE.resolve("FailoverPlanner.java")), () -> "scanned the wrong place: " + sources);
        assertEquals(List.of(), violations);
    }

    @Test
    void givenSourcesThatReachOutOfTheCore_whenScanned_thenEachUseIsReportedWithItsLine() {
        String source = """
                package io.pgpilot.core;
                import software.amazon.awssdk.services.ec2.Ec2Client;
                import static java.sql.DriverManager.getConnection;
                import io.pgpilot.adapters.SsmRunner;
                class Bad {
                    javax.sql.DataSource source;
                    io.pgpilot.handlers.AlarmHandler handler;
                    java.time.Instant at = java.time.Instant.now();
                    long t = System.currentTimeMillis();
                    java.time.Clock clock = java.time.Clock.systemUTC();
                    java.net.URI uri;
                }
                """;

        assertEquals(List.of("Bad.java:2: software.amazon.awssdk", "Bad.java:3: java.sql",
                "Bad.java:4: io.pgpilot.adapters",
                "Bad.java:6: javax.sql", "Bad.java:7: io.pgpilot.handlers", "Bad.java:8: Instant.now(",
                "Bad.java:9: System.currentTimeMillis(", "Bad.java:10: Clock.systemUTC(", "Bad.java:11: java.net"),
                violations("Bad.java", source));
    }

    @Test
    void givenForbiddenNamesOnlyInCommentsAndStrings_whenScanned_thenNothingIsReported() {
        String source = """
                package io.pgpilot.core;
                /** Unlike the adapters, this never imports software.amazon.awssdk or java.sql. */
                class Fine {
                    // Instant.now() is read by the handler, not here
                    String why = "no java.sql \\" here, nor io.pgpilot.handlers";
                    char quote = '"';
                    String block = \"""
                        System.currentTimeMillis()
                        \""";
                    /* java.net */ int x = 1;
                }
                """;

        assertEquals(List.of(), violations("Fine.java", source));
    }

    static List<String> violations(String file, String source) {
        String[] lines = codeOnly(source).split("\n", -1);
        List<String> found = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            Matcher m = FORBIDDEN.matcher(lines[i]);
            while (m.find()) {
                found.add(file + ":" + (i + 1) + ": " + m.group().replaceAll("\\s+", ""));
            }
        }
        return found;
    }

    /** The source with comments and string and character literals blanked out, line breaks kept. */
    static String codeOnly(String source) {
        StringBuilder code = new StringBuilder(source.length());
        int i = 0;
        while (i < source.length()) {
            int end;
            if (source.startsWith("//", i)) {
                end = indexOrEnd(source, "\n", i);
            } else if (source.startsWith("/*", i)) {
                end = indexOrEnd(source, "*/", i + 2) + 2;
            } else if (source.startsWith("\"\"\"", i)) {
                end = literalEnd(source, i + 3, "\"\"\"");
            } else if (source.charAt(i) == '"' || source.charAt(i) == '\'') {
                end = literalEnd(source, i + 1, String.valueOf(source.charAt(i)));
            } else {
                code.append(source.charAt(i++));
                continue;
            }
            end = Math.min(end, source.length());
            source.substring(i, end).chars().forEach(c -> code.append(c == '\n' ? '\n' : ' '));
            i = end;
        }
        return code.toString();
    }

    private static int literalEnd(String source, int from, String closing) {
        int i = from;
        while (i < source.length() && !source.startsWith(closing, i)) {
            i += source.charAt(i) == '\\' ? 2 : 1;
        }
        return i + closing.length();
    }

    private static int indexOrEnd(String source, String what, int from) {
        int at = source.indexOf(what, from);
        return at < 0 ? source.length() : at;
    }
}

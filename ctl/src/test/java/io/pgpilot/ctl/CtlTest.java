package io.pgpilot.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/** Bad input: one clear line, exit status 2, and nothing asked of AWS. */
class CtlTest {

    private record Run(int status, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Ctl ctl = new Ctl(name -> {
            throw new Ctl.Refused("no pgpilot cluster " + name + " is deployed here");
        }, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), Clock.systemUTC());
        int status = ctl.run(args, new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void givenBadCommandLines_whenRun_thenEachIsRefusedWithOneLineAndStatus2() {
        List<List<String>> cases = List.of(
                List.of("list", "--cluster NAME is required"),
                List.of("--cluster", "a;b", "list", "is not a cluster name"),
                List.of("--cluster", "main", "no command"),
                List.of("--cluster", "main", "failover", "unknown command failover"),
                List.of("--cluster", "main", "switchover", "switchover needs the standby"),
                List.of("--cluster", "main", "backup", "backup needs its type, full, diff or incr"),
                List.of("--cluster", "main", "backup", "weekly", "full, diff or incr, not weekly"),
                List.of("--cluster", "main", "history", "-n", "0", "expected a number from 1 to 100"),
                List.of("--cluster", "main", "list", "-n", "5", "-n does not apply to list"),
                List.of("--cluster", "main", "pause", "--for", "-5m", "expected a positive duration"),
                List.of("--cluster", "main", "pause", "--for", "0h", "more than 0 and at most 7 days"),
                List.of("--cluster", "main", "pause", "--for", "30d", "more than 0 and at most 7 days"),
                List.of("--cluster", "main", "pause", "--for", "soon", "expected a positive duration"),
                List.of("--cluster", "main", "resume", "--for", "1h", "--for does not apply to resume"),
                List.of("--cluster", "main", "list", "--verbose", "unknown option --verbose"),
                List.of("--cluster", "main", "list", "--apply", "--apply does not apply to list"),
                List.of("--cluster", "main", "switchover", "pg2", "--nodes", "pg1", "--nodes does not apply to switchover"),
                List.of("--cluster", "main", "adopt", "--nodes", "--nodes needs instance names or ids"),
                List.of("--cluster", "main", "adopt", "--nodes", "pg1,pg2;reboot", "each node is an instance id or a Name tag"),
                List.of("--cluster", "main", "adopt", "--nodes", "pg1,,pg2", "each node is an instance id or a Name tag"),
                List.of("--cluster", "main", "adopt", "--nodes", "pg1,pg1", "at most 16 nodes, each once"),
                List.of("--cluster", "main", "adopt", "-n", "3", "-n does not apply to adopt"),
                List.of("--cluster", "nosuch", "adopt", "--apply", "no pgpilot cluster nosuch is deployed here"),
                List.of("--cluster", "nosuch", "list", "no pgpilot cluster nosuch is deployed here"));
        for (List<String> c : cases) {
            Run run = run(c.subList(0, c.size() - 1).toArray(String[]::new));
            assertEquals(2, run.status(), c.toString());
            assertTrue(run.err().startsWith("pgpilot ctl: ") && run.err().contains(c.get(c.size() - 1))
                    && run.err().strip().lines().count() == 1, c + ": " + run.err());
        }
    }

    @Test
    void givenDurations_whenParsed_thenMinutesHoursAndDaysUpToAWeek() {
        assertEquals(Duration.ofMinutes(30), Ctl.Arguments.duration("30m"));
        assertEquals(Duration.ofHours(4), Ctl.Arguments.duration("4h"));
        assertEquals(Duration.ofDays(7), Ctl.Arguments.duration("7d"));
    }

    @Test
    void givenTheBootGate_whenPackedForBootGate_thenItUnpacksToTheFileCdkInstalls() throws Exception {
        byte[] packed = Base64.getDecoder().decode(Adopt.bootGate());
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(packed))) {
            assertEquals(Files.readString(Path.of("../cdk/src/main/resources/io/pgpilot/cdk/pgpilot-boot.sh")),
                    new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        assertTrue(Adopt.bootGate().length() <= 8192, "within BootGate's gate parameter");
    }
}

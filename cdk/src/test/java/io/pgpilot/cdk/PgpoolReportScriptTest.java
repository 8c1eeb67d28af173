package io.pgpilot.cdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * pgpool's failover_command as pgpool runs it: it reports the detached backend in the background,
 * returns at once with status 0, and promotes nothing. A `curl` on PATH stands in for curl and
 * the instance metadata (failing unless FAKE_CURL=ok, so no request leaves this machine), an
 * `aws` that records its arguments for the AWS CLI.
 */
class PgpoolReportScriptTest {

  private static final String SCRIPT = HostBootstrap.resource("pgpool-report.sh");

  @TempDir
  Path dir;
  private Path script;
  private Path conf;
  private Path published;
  private Path signed;

  @BeforeEach
  void setUp() throws IOException {
    for (String tool : List.of("bash", "jq", "setsid", "timeout")) {
      Assumptions.assumeTrue(onPath(tool), "SKIPPED: " + tool + " is not installed");
    }
    script = dir.resolve("pgpilot-pgpool-report");
    Files.writeString(script, SCRIPT, StandardCharsets.UTF_8);
    conf = dir.resolve("pgpool-report.env");
    Files.writeString(conf, "PGPILOT_CLUSTER=main\nPGPILOT_PGPOOL_NAME=pgpool-0abc123\nAWS_DEFAULT_REGION=eu-west-1\n");
    published = dir.resolve("published");
    Path aws = dir.resolve("bin/aws");
    Files.createDirectories(aws.getParent());
    // Slow on purpose: pgpool must not wait for it.
    Files.writeString(aws, "#!/bin/bash\nsleep \"${FAKE_AWS_SLEEP:-0}\"\nprintf '%s\\n' \"$@\" > \"$FAKE_AWS_OUT.tmp\"\n"
        + "mv \"$FAKE_AWS_OUT.tmp\" \"$FAKE_AWS_OUT\"\necho 0\n");
    Files.setPosixFilePermissions(aws, PosixFilePermissions.fromString("rwxr-xr-x"));
    signed = dir.resolve("signed");
    Path curl = dir.resolve("bin/curl");
    Files.writeString(curl, """
        #!/bin/bash
        [ "${FAKE_CURL:-fail}" = ok ] || exit 7
        for a in "$@"; do
          case $a in
            */api/token) echo imds-token; exit 0 ;;
            */security-credentials/) echo pgpool-role; exit 0 ;;
            */security-credentials/pgpool-role)
              echo '{"AccessKeyId":"AKIDROLE","SecretAccessKey":"SECRETROLE","Token":"TOKENROLE"}'; exit 0 ;;
          esac
        done
        printf '%s\n' "$@" > "$FAKE_CURL_OUT.args"; cat > "$FAKE_CURL_OUT.stdin"; mv "$FAKE_CURL_OUT.args" "$FAKE_CURL_OUT"
        echo '{"FailedEntryCount":0,"Entries":[{"EventId":"e1"}]}'
        """);
    Files.setPosixFilePermissions(curl, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private record Run(int status, long millis) {
  }

  private boolean curlWorks;

  private Run run(String sleep, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("bash", script.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve("output").toFile());
    // As pgpool runs it: none of the AWS settings of whoever runs the tests (the lab's, in ./pgpilot test).
    builder.environment().keySet().removeIf(name -> name.startsWith("AWS_"));
    builder.environment().put("PATH", dir.resolve("bin") + ":" + System.getenv("PATH"));
    builder.environment().put("PGPILOT_REPORT_CONF", conf.toString());
    builder.environment().put("FAKE_AWS_OUT", published.toString());
    builder.environment().put("FAKE_AWS_SLEEP", sleep);
    builder.environment().put("FAKE_CURL_OUT", signed.toString());
    builder.environment().put("FAKE_CURL", curlWorks ? "ok" : "fail");
    long start = System.nanoTime();
    Process process = builder.start();
    assertTrue(process.waitFor(10, TimeUnit.SECONDS));
    return new Run(process.exitValue(), (System.nanoTime() - start) / 1_000_000);
  }

  private List<String> awaitPublished() throws Exception {
    for (int i = 0; i < 100 && !Files.exists(published); i++) {
      Thread.sleep(100);
    }
    assertTrue(Files.exists(published), "nothing published");
    return Files.readAllLines(published);
  }

  @Test
  void givenADetachedPrimary_whenPgpoolRunsIt_thenItReturnsAtOnceAndPublishesTheReportInTheBackground()
      throws Exception {
    Run run = run("2", "0", "pg1", "5432", "0");

    assertEquals(0, run.status());
    assertTrue(run.millis() < 1500, "pgpool waited " + run.millis() + " ms for a publish that takes 2 s");
    List<String> args = awaitPublished();
    assertEquals(List.of("events", "put-events"), args.subList(0, 2));
    String entries = args.get(args.indexOf("--entries") + 1);
    assertTrue(entries.startsWith("[{\"Source\":\"pgpilot.pgpool\",\"DetailType\":\"pgpool backend down\",\"Detail\":"),
        entries);
    for (String field : List.of("\\\"cluster\\\":\\\"main\\\"", "\\\"node\\\":\\\"pg1\\\"",
        "\\\"pgpool\\\":\\\"pgpool-0abc123\\\"", "\\\"reason\\\":\\\"detached\\\"", "\\\"primary\\\":\\\"true\\\"",
        "\\\"nodeId\\\":\\\"0\\\"")) {
      assertTrue(entries.contains(field), field + " in " + entries);
    }
    assertFalse(String.join(" ", args).contains("--endpoint-url"));
  }

  @Test
  void givenTheInstanceRole_whenRun_thenOneRequestSignedByCurlWithItsKeysOnStdinAndNoAwsCli() throws Exception {
    curlWorks = true;

    assertEquals(0, run("0", "0", "pg1", "5432", "0").status());

    for (int i = 0; i < 100 && !Files.exists(signed); i++) {
      Thread.sleep(100);
    }
    List<String> args = Files.readAllLines(signed);
    String stdin = Files.readString(dir.resolve("signed.stdin"));
    assertEquals("aws:amz:eu-west-1:events", args.get(args.indexOf("--aws-sigv4") + 1));
    assertEquals("https://events.eu-west-1.amazonaws.com/", args.get(args.size() - 1));
    assertTrue(args.contains("X-Amz-Target: AWSEvents.PutEvents"), args.toString());
    String body = args.get(args.indexOf("--data-binary") + 1);
    assertTrue(body.startsWith("{\"Entries\":[{\"Source\":\"pgpilot.pgpool\""), body);
    assertTrue(stdin.contains("user = \"AKIDROLE:SECRETROLE\"") && stdin.contains("x-amz-security-token: TOKENROLE"),
        () -> "the role's keys, from the instance metadata, on stdin: " + stdin.replaceAll("SECRET\\w*", "***"));
    assertFalse(String.join(" ", args).contains("SECRETROLE"), "no secret on the command line");
    Thread.sleep(300);
    assertFalse(Files.exists(published), "the aws CLI only when curl fails");
  }

  @Test
  void givenADetachedStandbyAndTheLabsEndpoint_whenRun_thenReportedAsNoPrimaryThroughThatEndpoint() throws Exception {
    Files.writeString(conf, "PGPILOT_EVENTS_ENDPOINT=http://10.87.0.1:45661\n", java.nio.file.StandardOpenOption.APPEND);

    assertEquals(0, run("0", "2", "pg3", "5432", "0").status());

    List<String> args = awaitPublished();
    assertEquals(List.of("--endpoint-url", "http://10.87.0.1:45661"), args.subList(0, 2));
    assertTrue(String.join(" ", args).contains("\\\"primary\\\":\\\"false\\\""), args.toString());
  }

  @Test
  void givenHostileArgumentsOrNoConfiguration_whenRun_thenNothingIsPublishedAndPgpoolCarriesOn() throws Exception {
    List<String[]> hostile = List.of(new String[] {"0", "pg1;reboot", "5432", "0"},
        new String[] {"0", "$(id)", "5432", "0"}, new String[] {"x", "pg1", "5432", "0"},
        new String[] {"0", "pg1", "5432"}, new String[] {});
    for (String[] args : hostile) {
      assertEquals(0, run("0", args).status(), String.join(" ", args));
    }
    Files.writeString(conf, "PGPILOT_CLUSTER='main prod'\nPGPILOT_PGPOOL_NAME=pgpool-0abc123\n");
    assertEquals(0, run("0", "0", "pg1", "5432", "0").status());
    Files.delete(conf);
    assertEquals(0, run("0", "0", "pg1", "5432", "0").status());

    Thread.sleep(500);
    assertFalse(Files.exists(published), "a report pgpilot could not read was published");
  }

  @Test
  void theScriptPromotesNothingAndIsShellcheckClean() throws Exception {
    for (String forbidden : List.of("pg_promote", "pg_ctl", "pcp_promote_node", "promote ")) {
      assertFalse(SCRIPT.lines().filter(l -> !l.startsWith("#")).anyMatch(l -> l.contains(forbidden)), forbidden);
    }
    Assumptions.assumeTrue(onPath("shellcheck"), "SKIPPED: shellcheck is not installed");
    Process p = new ProcessBuilder("shellcheck", "-s", "bash", script.toString()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), output);
  }

  @Test
  void aPgpoolHostGetsItAsItIsAndPgpoolRunsItAsFailoverCommand() {
    String userData = HostBootstrap.script(HostBootstrap.Kind.PGPOOL, HostBootstrapTest.sample(HostBootstrap.Kind.PGPOOL));

    assertTrue(userData.contains("cat > " + HostBootstrap.PGPOOL_REPORT + " << 'PGPILOT_PGPOOL_REPORT_END'\n" + SCRIPT
        + "PGPILOT_PGPOOL_REPORT_END\n"), "written byte for byte, nothing in it expanded");
    assertTrue(userData.indexOf("PGPILOT_PGPOOL_REPORT_END\n") < userData.indexOf("failover_command = '$failover_command'"),
        "installed before pgpool.conf names it");
    assertTrue(SCRIPT.contains("failover_command = '" + HostBootstrap.PGPOOL_REPORT + " %d %h %p %P'"));
    assertFalse(HostBootstrap.script(HostBootstrap.Kind.POSTGRES, HostBootstrapTest.sample(HostBootstrap.Kind.POSTGRES))
        .contains(HostBootstrap.PGPOOL_REPORT));
  }

  private static boolean onPath(String tool) {
    try {
      Process p = new ProcessBuilder("bash", "-c", "command -v " + tool).start();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }
}

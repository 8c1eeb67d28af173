package io.pgpilot.cdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The user data as a host runs it: variables, the shared part and the role's part, shellcheck-clean. */
class HostBootstrapTest {

  static Map<String, String> sample(HostBootstrap.Kind kind) {
    Map<String, String> vars = new LinkedHashMap<>();
    vars.put("PGPILOT_CLUSTER", "main");
    vars.put("PGPILOT_HOSTS", "10.80.16.10 pg1 pg-primary");
    vars.put("PGPILOT_MONITOR_SECRET", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:m");
    if (kind == HostBootstrap.Kind.POSTGRES) {
      vars.put("PGPILOT_NODE", "pg2");
      vars.put("PGPILOT_ROLE", "standby");
      vars.put("PGPILOT_UPSTREAM", "10.80.16.10");
      vars.put("PGPILOT_SYNC_STANDBYS", "");
      vars.put("PGPILOT_PG_VERSION", "15");
      vars.put("PGPILOT_REPLICATION_CIDR", "10.80.0.0/16");
      vars.put("PGPILOT_CLIENT_CIDR", "10.80.0.0/16");
      vars.put("PGPILOT_CA_SECRET", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ca");
      vars.put("PGPILOT_ADMIN_SECRET", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:a");
    } else {
      vars.put("PGPILOT_ENGINE", "ec2");
      vars.put("PGPILOT_BACKENDS", "pg1:5432:0:ALLOW_TO_FAILOVER");
      vars.put("PGPILOT_CLIENT_CIDRS", "10.0.0.0/8");
      vars.put("PGPILOT_POOL_SECRETS", "");
      vars.put("PGPILOT_PCP_SECRET", "pgpilot/main/pcp");
    }
    return vars;
  }

  @ParameterizedTest
  @EnumSource(HostBootstrap.Kind.class)
  void theWholeScriptIsShellcheckClean(HostBootstrap.Kind kind, @TempDir Path dir) throws Exception {
    Path script = dir.resolve("user-data.sh");
    Files.writeString(script, "#!/bin/bash\n" + HostBootstrap.script(kind, sample(kind)), StandardCharsets.UTF_8);
    Process probe;
    try {
      probe = new ProcessBuilder("shellcheck", "--version").redirectErrorStream(true).start();
      probe.waitFor(30, TimeUnit.SECONDS);
    } catch (java.io.IOException e) {
      probe = null;
    }
    Assumptions.assumeTrue(probe != null && probe.exitValue() == 0, "SKIPPED: shellcheck is not installed");
    Process p = new ProcessBuilder("shellcheck", "-s", "bash", script.toString()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(60, TimeUnit.SECONDS);
    assertEquals(0, p.exitValue(), "shellcheck on the " + kind + " user data:\n" + output);
  }

  @ParameterizedTest
  @EnumSource(HostBootstrap.Kind.class)
  void everyVariableTheScriptReadsIsSetByTheConstructs(HostBootstrap.Kind kind) {
    String body = HostBootstrap.resource(kind.file);
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\$\\{?(PGPILOT_[A-Z_]+)").matcher(body);
    java.util.List<String> templates = kind == HostBootstrap.Kind.POSTGRES ? java.util.List.of(Synth.ec2().json())
        : java.util.List.of(Synth.ec2().json(), Synth.aurora().json());
    while (m.find()) {
      for (String json : templates) {
        assertTrue(json.contains(m.group(1) + "='"), kind + " reads " + m.group(1) + ", which CDK must set");
      }
    }
  }

  @org.junit.jupiter.api.Test
  void aDatabaseHostGetsTheBootGateFileAsItIsAndPostgresNeverStartsByItself() {
    String script = HostBootstrap.script(HostBootstrap.Kind.POSTGRES, sample(HostBootstrap.Kind.POSTGRES));
    String gate = HostBootstrap.resource("pgpilot-boot.sh");

    assertTrue(script.contains("cat > /usr/local/sbin/pgpilot-boot << 'PGPILOT_BOOT_GATE_END'\n" + gate
        + "PGPILOT_BOOT_GATE_END\n"), "the gate is written byte for byte, nothing in it expanded");
    assertTrue(script.contains("run_document BootGate pgVersion=\"$V\" cluster=main"),
        "Debian's auto start is turned off and the gate's unit enabled, by the document an adoption runs");
    assertTrue(script.indexOf("pgpilot-boot << ") < script.indexOf(HostBootstrap.resource("bootstrap-postgres.sh")),
        "installed before the database host's part, which enables it");
    assertFalse(HostBootstrap.script(HostBootstrap.Kind.PGPOOL, sample(HostBootstrap.Kind.PGPOOL))
        .contains(HostBootstrap.BOOT_GATE));
  }

  @ParameterizedTest
  @EnumSource(HostBootstrap.Kind.class)
  void theUserDataFitsEc2sLimitAndUnpacksAtBootToTheWholeScript(HostBootstrap.Kind kind) throws Exception {
    Map<String, String> variables = sample(kind);
    String userData = HostBootstrap.userData(kind, variables).render();
    assertTrue(userData.length() < HostBootstrap.USER_DATA_LIMIT, kind + ": " + userData.length() + " bytes");
    assertTrue(userData.endsWith(". \"$body\"\n"), "the unpacked body is sourced: it sees the variables");

    Process bash = new ProcessBuilder("bash", "-c", userData.replace(". \"$body\"\n", "cat \"$body\"\n"))
        .redirectErrorStream(true).start();
    String unpacked = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, bash.waitFor());
    assertEquals(HostBootstrap.script(kind, variables), userData.substring(userData.indexOf('\n') + 1,
        userData.indexOf("body=$(mktemp)")) + unpacked);
  }

  @org.junit.jupiter.api.Test
  void aQuoteInAValueIsRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> HostBootstrap.script(HostBootstrap.Kind.PGPOOL, Map.of("PGPILOT_CLUSTER", "it's")));
  }
}

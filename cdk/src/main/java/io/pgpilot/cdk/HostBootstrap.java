package io.pgpilot.cdk;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import software.amazon.awscdk.Token;
import software.amazon.awscdk.services.ec2.UserData;

/**
 * User data of a pgpilot host: shell variables from CDK (tokens resolve at deploy time), then
 * bootstrap-common.sh and the role's script, both kept as files beside this class so they read
 * (and lint) as shell rather than as Java strings. A database host's user data also carries
 * pgpilot-boot.sh, the gate that decides at every boot whether PostgreSQL starts, installed as
 * {@link #BOOT_GATE}: the lab boots its hosts through the same file. A pgpool host's carries
 * pgpool-report.sh, its failover_command ({@link #PGPOOL_REPORT}), and pgpool-health.sh, the load
 * balancer's health check ({@link #PGPOOL_HEALTH}), the same way. pgBackRest's
 * settings (pgbackrest.conf) reach a database host, and the lab, the same way too
 * ({@link #PGBACKREST_CONF}); the bootstrap adds the cluster's stanza.
 */
final class HostBootstrap {

  /** Where a database host keeps pgpilot-boot.sh; its systemd unit runs it at every boot. */
  static final String BOOT_GATE = "/usr/local/sbin/pgpilot-boot";
  /** Ends the here-document that carries the boot gate: a line the gate itself never has. */
  private static final String BOOT_GATE_END = "PGPILOT_BOOT_GATE_END";
  /** Where a pgpool host keeps pgpool-report.sh: pgpool's failover_command, which reports and promotes nothing. */
  static final String PGPOOL_REPORT = "/usr/local/sbin/pgpilot-pgpool-report";
  private static final String PGPOOL_REPORT_END = "PGPILOT_PGPOOL_REPORT_END";
  /** Where a pgpool host keeps pgpool-health.sh: the load balancer's HTTP health check, per connection. */
  static final String PGPOOL_HEALTH = "/usr/local/sbin/pgpilot-pgpool-health";
  private static final String PGPOOL_HEALTH_END = "PGPILOT_PGPOOL_HEALTH_END";
  /** pgBackRest's configuration on a database host. */
  static final String PGBACKREST_CONF = "/etc/pgbackrest/pgbackrest.conf";
  private static final String PGBACKREST_CONF_END = "PGPILOT_PGBACKREST_CONF_END";

  /** A variable's value goes in single quotes: anything but a quote is literal there. */
  private static final Pattern QUOTE = Pattern.compile("'");

  enum Kind {
    POSTGRES("bootstrap-postgres.sh"),
    PGPOOL("bootstrap-pgpool.sh");

    final String file;

    Kind(String file) {
      this.file = file;
    }
  }

  private HostBootstrap() {
  }

  /** Ends the here-document that carries the compressed body of the user data. */
  private static final String BODY_END = "PGPILOT_BOOTSTRAP_END";
  /** EC2 refuses user data over 16 KB (before its base64 encoding). */
  static final int USER_DATA_LIMIT = 16 * 1024;

  /** The whole script, without the #! line that UserData.forLinux() writes. */
  static String script(Kind kind, Map<String, String> variables) {
    return variables(variables) + body(kind);
  }

  /** The variables from CDK, one assignment each: the only part with deploy-time tokens. */
  private static String variables(Map<String, String> variables) {
    StringBuilder script = new StringBuilder();
    variables.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
      String value = e.getValue() == null ? "" : e.getValue();
      if (!Token.isUnresolved(value) && QUOTE.matcher(value).find()) {
        throw new IllegalArgumentException("user data variable " + e.getKey() + " must not contain a single quote,"
            + " got " + value);
      }
      script.append(e.getKey()).append("='").append(value).append("'\n");
    });
    return script.toString();
  }

  /** Everything after the variables: the same for every host of a kind. */
  private static String body(Kind kind) {
    StringBuilder script = new StringBuilder(resource("bootstrap-common.sh"));
    if (kind == Kind.POSTGRES) {
      install(script, "pgpilot-boot.sh", BOOT_GATE, BOOT_GATE_END);
      install(script, "pgbackrest.conf", PGBACKREST_CONF, PGBACKREST_CONF_END);
    } else {
      install(script, "pgpool-report.sh", PGPOOL_REPORT, PGPOOL_REPORT_END);
      install(script, "pgpool-health.sh", PGPOOL_HEALTH, PGPOOL_HEALTH_END);
    }
    return script.append(resource(kind.file)).toString();
  }

  /** Writes the resource {@code name} to {@code path} (mode 0755: scripts; a reader may narrow it) from a here-document ended by {@code end}. */
  private static void install(StringBuilder script, String name, String path, String end) {
    String file = resource(name);
    if (file.lines().anyMatch(end::equals)) {
      throw new IllegalStateException(name + " must not contain the line " + end);
    }
    // Quoted delimiter: the file is written as it is, nothing in it expanded now.
    script.append("install -d -m 0755 ").append(path, 0, path.lastIndexOf('/')).append('\n')
        .append("cat > ").append(path).append(" << '").append(end).append("'\n").append(file)
        .append(file.endsWith("\n") ? "" : "\n").append(end).append('\n')
        .append("chmod 0755 ").append(path).append('\n');
  }

  /**
   * The user data: the variables, then the body gzip-compressed (it has no tokens, so it can be
   * compressed at synth), unpacked and sourced at boot. Plain, the database host's script is over
   * EC2's 16 KB.
   */
  static UserData userData(Kind kind, Map<String, String> variables) {
    UserData userData = UserData.forLinux();
    userData.addCommands(variables(variables) + "body=$(mktemp)\nbase64 -d << '" + BODY_END + "' | gunzip > \"$body\"\n"
        + compressed(body(kind)) + BODY_END + "\n. \"$body\"\n");
    return userData;
  }

  /** gzip (no file name, no time: the same bytes at every synth), in base64 lines of 76. */
  static String compressed(String text) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(bytes) {
      {
        def.setLevel(Deflater.BEST_COMPRESSION);
      }
    }) {
      gzip.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot compress the user data", e);
    }
    return Base64.getMimeEncoder(76, new byte[] {'\n'}).encodeToString(bytes.toByteArray()) + "\n";
  }

  static String resource(String name) {
    try (InputStream in = HostBootstrap.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("resource " + name + " is missing from the pgpilot-cdk jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read resource " + name, e);
    }
  }
}

package io.pgpilot.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpilot.adapters.Ec2Instances;
import io.pgpilot.adapters.JdbcProbe;
import io.pgpilot.adapters.SsmCommands;
import io.pgpilot.config.ClusterConfig;
import io.pgpilot.core.ports.CommandResult;
import io.pgpilot.core.ports.ArchiveStatus;
import io.pgpilot.ec2.Inventory;
import io.pgpilot.failover.LabAutomation;
import io.pgpilot.handlers.BackupHandler;
import io.pgpilot.handlers.EventRouter;
import io.pgpilot.lab.invoke.LocalContext;
import io.pgpilot.runner.Outcome;
import io.pgpilot.lab.Lab;
import io.pgpilot.lab.LabExtension;
import io.pgpilot.lab.ssm.LabSsmAgent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The WAL archive, as a DBA relies on it: backups land in it, a restore never touches the running
 * cluster and refuses what it cannot do, S3 going away loses nothing, and no host writes another
 * cluster's bucket. The restore after a failover is the drill's pitr scenario (DrillIT).
 */
@ExtendWith(LabExtension.class)
class WalArchiveIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path RESTORE_CONF = Path.of("/etc/postgresql/15/restore");
  private static final DateTimeFormatter PG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'+00'")
      .withZone(ZoneOffset.UTC);
  private static Lab lab;

  @BeforeAll
  static void lab(Lab theLab) {
    lab = theLab;
    lab.run("fault", "heal", primary());
  }

  @Test
  void aDifferentialBackupLandsInTheArchiveAfterTheFirstFullOne() throws Exception {
    JsonNode backup = JSON.readTree(lab.must("backup", "diff"));

    assertEquals("diff", backup.path("type").asText(), backup.toString());
    assertTrue(backup.path("label").asText().matches("\\d{8}-\\d{6}F_\\d{8}-\\d{6}D"), backup.toString());
    assertTrue(backup.path("databaseBytes").asLong() > 0, backup.toString());
  }

  @Test
  void theScheduledBackupCopiesAStandbysFilesSoThePrimaryOnlyStartsAndStopsIt() throws Exception {
    LabAutomation.deployDocuments();
    int before = lab.must("backups").strip().split("\n").length;
    try (LabAutomation.ServedSsm ssm = LabAutomation.serveSsm()) {
      Outcome outcome = new BackupHandler(EventRouter.from(ClusterConfig.from(LabAutomation.environment(lab))))
          .handleRequest(Map.of("type", "incr"), new LocalContext(BackupHandler.class.getName()));

      assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome.reason());
      // pg3 streams from pg2, which pg1's commits wait for: pg3 copies, and no commit waits on its reads.
      assertTrue(outcome.reason().contains("from pg3"), outcome.reason());
      Matcher sent = Pattern.compile("as SSM command (\\S+),").matcher(String.join("\n", outcome.steps()));
      assertTrue(sent.find(), outcome.steps().toString());
      String pg3 = lab.status().node("pg3").instanceId();
      CommandResult result = new SsmCommands(LabAutomation.NAMES).await(sent.group(1), List.of(pg3), Duration.ofMinutes(3)).get(0);
      assertEquals("Success", result.status(), result.stderr());
      JsonNode backup = JSON.readTree(result.stdout().strip().lines().reduce((a, b) -> b).orElseThrow());
      assertEquals("standby", backup.path("from").asText(), backup.toString());
      assertEquals("incr", backup.path("type").asText(), backup.toString());
    }
    assertEquals(before + 1, lab.must("backups").strip().split("\n").length, "one more backup in the repository");
  }

  @Test
  void fullBackupsBeyondTheRetentionAreExpiredFromTheRepository() throws Exception {
    List<String> taken = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      taken.add(JSON.readTree(lab.must("backup", "full")).path("label").asText());
    }

    List<String> full = lab.must("backups").strip().lines().map(WalArchiveIT::json)
        .filter(b -> "full".equals(b.path("type").asText())).map(b -> b.path("label").asText()).toList();
    // The lab's repo1-retention-full is 2: the newest two stay, every older full backup is gone.
    assertEquals(taken.subList(1, 3), full);
  }

  private static JsonNode json(String line) {
    try {
      return JSON.readTree(line);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void aRestoreRefusesWhatItCannotDoAndChangesNothing() throws Exception {
    lab.run("restore", "--latest", "--replace");   // a restore target exists: a refusal must keep it as it is
    String before = restoreTarget();
    Instant now = Instant.now();
    List<List<String>> refused = List.of(
        List.of("--time", PG_TIME.format(now.plus(Duration.ofDays(1))), "is in the future"),
        List.of("--time", "2026-13-45 25:61:00+00", "is not a valid time"),
        List.of("--time", "tomorrow", "is not a timestamp with an offset"),
        List.of("--time", "2020-01-01 00:00:00+00", "before the end of the first backup"),
        List.of("--backup", "20200101-000000F", "no backup labelled 20200101-000000F"));
    for (List<String> bad : refused) {
      Lab.Result run = lab.run("restore", bad.get(0), bad.get(1), "--replace");
      assertNotEquals(0, run.exitCode(), bad.toString());
      assertTrue(run.stderr().contains(bad.get(2)), bad + ": " + run.stderr());
      assertEquals(before, restoreTarget(), bad + " changed the restore target");
    }
  }

  @Test
  void aRestoreNeverReplacesAClusterItDidNotMake() throws Exception {
    String primary = primary();
    // The lab's hosts share one file system: pg1's configuration is visible on app1, as another
    // cluster on the same machine would be.
    LabSsmAgent.Invocation run = new LabSsmAgent(Path.of("..", "..", "ssm-documents"), LabAutomation.NAMES).run("app1",
        "pgpilot-RestoreNode", Map.of("cluster", primary, "stanza", "lab", "replace", "true"));

    assertEquals(LabSsmAgent.Status.Failed, run.status(), run.stdout());
    assertTrue(run.stderr().contains("is no restore target of pgpilot's"), run.stderr());
    try (Connection c = lab.connectNode(primary); Statement s = c.createStatement()) {
      s.execute("SELECT 1");
    }
  }

  @Test
  void withS3UnreachableArchivingFailsKeepsTheWalAndCatchesUpWhenS3Returns() throws Exception {
    String primary = primary();
    String marker = UUID.randomUUID().toString();
    String segment;
    long failedBefore;
    try (Connection c = lab.connectNode(primary); Statement s = c.createStatement()) {
      failedBefore = one(s, "SELECT failed_count FROM pg_stat_archiver");
      lab.must("fault", "partition", primary, "s3");
      try {
        s.execute("CREATE TABLE IF NOT EXISTS archive_probe (id text PRIMARY KEY)");
        s.execute("INSERT INTO archive_probe VALUES ('" + marker + "')");
        segment = text(s, "SELECT pg_walfile_name(pg_switch_wal())");
        Lab.await(Duration.ofSeconds(45), "archive_command to fail while S3 is unreachable",
            () -> one(s, "SELECT failed_count FROM pg_stat_archiver") > failedBefore);
        assertEquals(1, one(s, "SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name = '" + segment + ".ready'"),
            "PostgreSQL keeps the segment, waiting to archive it");
        ArchiveStatus failing = archiveStatus(primary);
        assertTrue(failing.failing() && failing.waitingSegments() >= 1, "what the monitor's metrics (and the"
            + " ArchiveFailing alarm) see: " + failing);
      } finally {
        lab.must("fault", "heal", primary);
      }
      // A new segment wakes the archiver at once, rather than at its next minute.
      s.execute("INSERT INTO archive_probe VALUES ('" + UUID.randomUUID() + "')");
      s.execute("SELECT pg_switch_wal()");
      Lab.await(Duration.ofSeconds(90), segment + " archived once S3 is back",
          () -> text(s, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver").compareTo(segment) > 0);
    }
    Lab.await(Duration.ofSeconds(30), "the archive status to clear (what ends the alarm)",
        () -> archiveStatus(primary).equals(new ArchiveStatus(0, false)));
    JsonNode restored = JSON.readTree(lab.must("restore", "--latest", "--replace"));
    try (Connection c = lab.connect(restored.path("dsn").asText()); Statement s = c.createStatement()) {
      assertEquals(1, one(s, "SELECT count(*) FROM archive_probe WHERE id = '" + marker + "'"),
          "the commit made while S3 was unreachable is in the archive");
    }
  }

  @Test
  void aStandbyIsRebuiltFromTheArchiveAndFromThePrimaryWhenS3IsUnreachable() throws Exception {
    String standby = lab.status().nodes().stream().filter(n -> "standby".equals(n.role())).map(Lab.Node::name)
        .reduce((first, second) -> second).orElseThrow();

    JsonNode fromArchive = JSON.readTree(lab.must("rebuild", standby));
    assertEquals("archive", fromArchive.path("method").asText(), "the default once the archive holds a backup: "
        + fromArchive);
    assertEquals("streaming", lab.status().node(standby).state());

    lab.must("fault", "partition", standby, "s3");
    try {
      Lab.Result refused = lab.run("rebuild", standby, "--source", "archive");
      assertNotEquals(0, refused.exitCode());
      assertTrue(refused.stderr().contains("did not answer within 10 s; nothing was changed"), refused.stderr());
      assertEquals("streaming", lab.status().node(standby).state(), "a refused rebuild leaves the standby as it was");

      JsonNode fallback = JSON.readTree(lab.must("rebuild", standby));
      assertEquals("basebackup", fallback.path("method").asText(), "pg_basebackup from the primary stays the"
          + " fallback: " + fallback);
      assertEquals("streaming", lab.status().node(standby).state());
    } finally {
      lab.must("fault", "heal", standby);
    }
  }

  /** The primary's archive as the monitor reads it, with the lab's own probe login. */
  private static ArchiveStatus archiveStatus(String primary) {
    Lab.Dsn dsn = Lab.Dsn.parse(lab.status().node(primary).dsn());
    JdbcProbe probe = new JdbcProbe(new JdbcProbe.Settings(dsn.port(), dsn.database(), dsn.user(), dsn::password,
        dsn.sslmode(), dsn.sslrootcert(), Duration.ofSeconds(2)));
    return probe.archive(Inventory.of("lab", new Ec2Instances().describe("lab")).topology(), primary)
        .orElseThrow(() -> new AssertionError(primary + " reports no archive"));
  }

  @Test
  void noHostWritesABucketOtherThanItsClusters() throws Exception {
    String primary = primary();
    Process p = new ProcessBuilder("ip", "netns", "exec", primary, "runuser", "-u", "postgres", "--", "pgbackrest",
        "--stanza=lab", "--repo1-s3-bucket=pgpilot-other-archive", "--log-level-console=error", "stanza-create")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));

    assertNotEquals(0, p.exitValue(), out);
    assertTrue(out.contains("403") || out.contains("AccessDenied"), out);
  }

  private static String primary() {
    return lab.status().nodes().stream().filter(n -> "primary".equals(n.role())).map(Lab.Node::name).findFirst()
        .orElseThrow();
  }

  /** The restore target's configuration and data directory listing: what a refusal must leave alone. */
  private static String restoreTarget() throws Exception {
    if (!Files.exists(RESTORE_CONF)) {
      return "absent";
    }
    try (var files = Files.walk(RESTORE_CONF)) {
      return files.map(f -> f + " " + f.toFile().lastModified()).sorted().toList().toString();
    }
  }

  private static long one(Statement s, String sql) throws SQLException {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static String text(Statement s, String sql) throws SQLException {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}

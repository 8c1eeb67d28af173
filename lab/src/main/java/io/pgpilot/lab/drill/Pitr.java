package io.pgpilot.lab.drill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpilot.lab.Lab;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The pitr scenario's restore: after a failover, the WAL archive is restored into a separate node
 * (`lab restore`, pgpilot-RestoreNode) to a moment T after the failover, and that node must hold
 * exactly the commits acknowledged before T, across the timeline switch.
 *
 * <p>T is the insert time of one of the writer's rows after the failover: the writer is sequential,
 * so every earlier acknowledged row committed before T and the row itself committed after it.
 */
final class Pitr {

  /**
   * @param target             T, as given to the restore
   * @param expectedRows       commits acknowledged before T (this run's, through pgpool)
   * @param restoredRows       those of this run's acknowledged commits that the restored node holds
   * @param missingSample      expected commits the restored node lacks (at most 20); must be empty
   * @param extraSample        acknowledged commits after T that it holds (at most 20); must be empty
   * @param restoredUnacknowledged rows it holds that the writer was never told of (a commit in flight
   *                           at the crash): reported, not judged
   * @param archiveMs          from the WAL switch after T until the archive had that segment
   * @param restoreSeconds     the restore, as pgpilot-RestoreNode timed it (new cluster, backup, WAL replay)
   * @param backup             the backup it started from
   * @param problem            why the restore could not be judged or failed; null when it ran
   */
  record Result(String target, int expectedRows, int restoredRows, List<Long> missingSample, List<Long> extraSample,
      int restoredUnacknowledged, Long archiveMs, Double restoreSeconds, String backup, String problem) {

    boolean correct() {
      return problem == null && expectedRows == restoredRows && missingSample.isEmpty() && extraSample.isEmpty();
    }

    String violation() {
      return problem != null ? "point-in-time restore: " + problem
          : "point-in-time restore to " + target + ": " + restoredRows + " of " + expectedRows
          + " acknowledged commits before it restored, missing " + missingSample + ", after it " + extraSample;
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration ARCHIVE_LIMIT = Duration.ofSeconds(90);

  private Pitr() {}

  /** Restores to a moment after the failover, on the cluster whose primary is now {@code primary}. */
  static Result restore(Lab lab, String primary, int run, List<Workload.Commit> commits, long failoverAckMs) {
    List<Workload.Commit> after = commits.stream().filter(c -> c.ackMs() > failoverAckMs).toList();
    if (after.size() < 2) {
      return failed("only " + after.size() + " commits acknowledged after the failover: no moment to restore to");
    }
    long k = after.get(after.size() / 2).seq();
    String target;
    long archiveMs;
    try (Connection c = lab.connectNode(primary)) {
      target = one(c, "SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' FROM drill_commits"
          + " WHERE run = " + run + " AND seq = " + k);
      // T's WAL reaches the archive when its segment is complete: complete it now, as archive_timeout would.
      long start = System.nanoTime();
      String segment = one(c, "SELECT pg_walfile_name(pg_switch_wal())");
      Lab.await(ARCHIVE_LIMIT, "segment " + segment + " in the archive",
          () -> one(c, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver").compareTo(segment) >= 0);
      archiveMs = (System.nanoTime() - start) / 1_000_000;
    } catch (Exception | AssertionError e) {
      return failed("before the restore: " + e.getMessage());
    }
    JsonNode restored;
    try {
      restored = JSON.readTree(lab.must("restore", "--time", target, "--replace"));
    } catch (Exception e) {
      return failed("lab restore --time '" + target + "': " + e.getMessage());
    }
    Set<Long> present = new TreeSet<>();
    try (Connection c = lab.connect(restored.path("dsn").asText());
        PreparedStatement s = c.prepareStatement("SELECT seq FROM drill_commits WHERE run = ?")) {
      s.setInt(1, run);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          present.add(rs.getLong(1));
        }
      }
    } catch (SQLException e) {
      return failed("reading the restored node: " + e.getMessage());
    }
    Set<Long> acked = commits.stream().map(Workload.Commit::seq).collect(Collectors.toCollection(TreeSet::new));
    List<Long> expected = acked.stream().filter(seq -> seq < k).toList();
    List<Long> missing = expected.stream().filter(seq -> !present.contains(seq)).toList();
    List<Long> extra = present.stream().filter(seq -> seq >= k && acked.contains(seq)).toList();
    int restoredAcked = (int) present.stream().filter(acked::contains).count();
    int unacknowledged = (int) present.stream().filter(seq -> !acked.contains(seq)).count();
    return new Result(target, expected.size(), restoredAcked, missing.stream().limit(20).toList(),
        extra.stream().limit(20).toList(), unacknowledged, archiveMs, restored.path("durationSeconds").asDouble(),
        restored.path("backup").asText(null), null);
  }

  private static Result failed(String why) {
    return new Result(null, 0, 0, List.of(), List.of(), 0, null, null, null, why);
  }

  private static String one(Connection c, String sql) throws SQLException {
    try (ResultSet rs = c.createStatement().executeQuery(sql)) {
      if (!rs.next()) {
        throw new SQLException("no row from: " + sql);
      }
      return rs.getString(1);
    }
  }
}

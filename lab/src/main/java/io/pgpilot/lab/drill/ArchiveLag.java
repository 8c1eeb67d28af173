package io.pgpilot.lab.drill;

import io.pgpilot.lab.Lab;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * How far the WAL archive is behind a primary at one instant: the completed WAL segments that
 * PostgreSQL has not handed to the archive yet, how long the oldest of them has waited, and the
 * archiver's failures so far. What a lost primary's disk would take with it beyond its standbys.
 *
 * @param pendingSegments      completed segments waiting to be archived (.ready in archive_status)
 * @param oldestPendingSeconds how long the oldest of them has waited; 0 when none waits
 * @param failedCount          archive_command failures since the statistics were reset
 */
record ArchiveLag(int pendingSegments, double oldestPendingSeconds, long failedCount) {

  /** The lag on {@code node}; null when it does not archive (archive_mode off) or cannot be asked. */
  static ArchiveLag on(Lab lab, String node) {
    try (Connection c = lab.connectNode(node); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT current_setting('archive_mode') <> 'off'")) {
        if (!rs.next() || !rs.getBoolean(1)) {
          return null;
        }
      }
      try (ResultSet rs = s.executeQuery("SELECT count(*), coalesce(extract(epoch FROM now() - min(modification)), 0),"
          + " (SELECT failed_count FROM pg_stat_archiver) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'")) {
        rs.next();
        return new ArchiveLag(rs.getInt(1), Math.round(rs.getDouble(2) * 1000) / 1000.0, rs.getLong(3));
      }
    } catch (SQLException e) {
      return null;
    }
  }
}

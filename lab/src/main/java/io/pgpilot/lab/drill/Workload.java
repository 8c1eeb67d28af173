package io.pgpilot.lab.drill;

import io.pgpilot.lab.Lab;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What an application sees through pgpool during a drill: one writer committing numbered rows
 * (autocommit, so each acknowledged INSERT is a commit the application was told is durable) and
 * one reader, each reconnecting after an error as a pooled application would. Times are
 * milliseconds since the run's clock started.
 */
final class Workload implements AutoCloseable {

  /** A commit the writer was told succeeded: sent at {@code startMs}, acknowledged at {@code ackMs}. */
  record Commit(long seq, long startMs, long ackMs) {}

  private static final Map<String, String> CLIENT = Map.of(
      // Short enough to notice a dead server, long enough for a commit waiting for a synchronous standby.
      "connectTimeout", "1", "socketTimeout", "15", "ApplicationName", "pgpilot-drill");
  private static final long RETRY_PAUSE_MS = 20;
  private static final long READ_PAUSE_MS = 10;

  private final Lab lab;
  private final String dsn;
  private final int run;
  private final RunClock clock;
  private final List<Commit> commits = new ArrayList<>();
  private final List<Long> writeErrors = new ArrayList<>();
  private final List<Long> reads = new ArrayList<>();
  private final List<Long> readErrors = new ArrayList<>();
  private volatile boolean running = true;
  private volatile String lastError;
  private final Thread writer;
  private final Thread reader;

  Workload(Lab lab, String pgpoolDsn, int run, RunClock clock) {
    this.lab = lab;
    this.dsn = pgpoolDsn;
    this.run = run;
    this.clock = clock;
    this.writer = new Thread(this::write, "drill-writer");
    this.reader = new Thread(this::read, "drill-reader");
  }

  /**
   * The tables the writers fill, this one's and the {@link DirectWriter}'s; one each per lab, rows
   * keyed by run and sequence number.
   */
  static void prepare(Lab lab, String pgpoolDsn) throws SQLException {
    try (Connection c = lab.connect(pgpoolDsn, CLIENT)) {
      for (String table : List.of("drill_commits", DirectWriter.TABLE)) {
        c.createStatement().execute("CREATE TABLE IF NOT EXISTS " + table + " (run int NOT NULL, seq bigint NOT NULL,"
            + " at timestamptz NOT NULL DEFAULT clock_timestamp(), PRIMARY KEY (run, seq))");
      }
    }
  }

  void start() {
    writer.start();
    reader.start();
  }

  private void write() {
    long seq = 0;
    Connection c = null;
    PreparedStatement insert = null;
    while (running) {
      try {
        if (c == null) {
          c = lab.connect(dsn, CLIENT);
          insert = c.prepareStatement("INSERT INTO drill_commits (run, seq) VALUES (?, ?)");
        }
        long next = seq + 1;
        long start = clock.nowMs();
        insert.setInt(1, run);
        insert.setLong(2, next);
        insert.executeUpdate();
        seq = next;
        synchronized (this) {
          commits.add(new Commit(seq, start, clock.nowMs()));
        }
      } catch (SQLException e) {
        // The commit's fate is unknown to the application: not acknowledged, so not counted.
        // The next attempt uses a new number, as a retrying application would.
        seq++;
        synchronized (this) {
          writeErrors.add(clock.nowMs());
        }
        lastError = e.getMessage();
        close(c);
        c = null;
        pause(RETRY_PAUSE_MS);
      }
    }
    close(c);
  }

  private void read() {
    Connection c = null;
    PreparedStatement select = null;
    while (running) {
      try {
        if (c == null) {
          c = lab.connect(dsn, CLIENT);
          select = c.prepareStatement("SELECT max(seq) FROM drill_commits WHERE run = ?");
        }
        select.setInt(1, run);
        try (ResultSet rs = select.executeQuery()) {
          rs.next();
        }
        synchronized (this) {
          reads.add(clock.nowMs());
        }
        pause(READ_PAUSE_MS);
      } catch (SQLException e) {
        synchronized (this) {
          readErrors.add(clock.nowMs());
        }
        close(c);
        c = null;
        pause(RETRY_PAUSE_MS);
      }
    }
    close(c);
  }

  synchronized List<Commit> commits() {
    return List.copyOf(commits);
  }

  synchronized List<Long> reads() {
    return List.copyOf(reads);
  }

  synchronized int writeErrors() {
    return writeErrors.size();
  }

  /** Write errors from {@code fromMs} on: attempts whose commit the application was not told of. */
  synchronized int writeErrorsAfter(long fromMs) {
    return (int) writeErrors.stream().filter(at -> at >= fromMs).count();
  }

  synchronized int readErrors() {
    return readErrors.size();
  }

  String lastError() {
    return lastError;
  }

  /**
   * A commit sent after the fault and after the last write error since, and acknowledged: writes
   * work again. Null when none yet.
   */
  synchronized Commit resumedAfter(long faultAtMs) {
    long since = Math.max(faultAtMs, writeErrors.stream().mapToLong(Long::longValue).max().orElse(faultAtMs));
    return commits.stream().filter(c -> c.startMs() >= since).findFirst().orElse(null);
  }

  /** The write outage the fault caused: see {@link #rtoMs(List, long)}. */
  synchronized Long rtoMs(long faultAtMs) {
    return rtoMs(commits, faultAtMs);
  }

  /** Below this, a pause between acknowledgements is jitter, not an outage (commits come every millisecond or so). */
  static final long OUTAGE_MIN_MS = 100;
  /** A fault's outage starts within this of the fault (a switchover fences after its catch-up). */
  static final long OUTAGE_START_WINDOW_MS = 5_000;

  /**
   * Milliseconds from the fault to the acknowledgement that ends the longest pause between
   * acknowledgements that starts within {@link #OUTAGE_START_WINDOW_MS} of it: 0 when that pause
   * is shorter than {@link #OUTAGE_MIN_MS} (writes never stopped); null when nothing was
   * acknowledged after the fault. Not simply the first commit after the fault: a backend can
   * still acknowledge one for a few milliseconds after its postmaster was killed.
   */
  static Long rtoMs(List<Commit> commits, long faultAtMs) {
    Commit end = null;
    long longest = -1;
    for (int i = 0; i < commits.size(); i++) {
      Commit c = commits.get(i);
      long start = i == 0 ? faultAtMs : commits.get(i - 1).ackMs();
      if (c.ackMs() < faultAtMs || start > faultAtMs + OUTAGE_START_WINDOW_MS) {
        continue;
      }
      if (c.ackMs() - start > longest) {
        longest = c.ackMs() - start;
        end = c;
      }
    }
    return end == null ? null : longest < OUTAGE_MIN_MS ? 0 : end.ackMs() - faultAtMs;
  }

  /** Acknowledged sequence numbers missing from what {@code node} holds for this run. */
  List<Long> missingOn(String node) throws SQLException {
    return missing(lab, node, "drill_commits", run, commits()).stream().map(Commit::seq).toList();
  }

  /** Of {@code commits} of run {@code run}, those missing from {@code table} on {@code node}. */
  static List<Commit> missing(Lab lab, String node, String table, int run, List<Commit> commits)
      throws SQLException {
    Set<Long> present = new TreeSet<>();
    try (Connection c = lab.connectNode(node);
        PreparedStatement s = c.prepareStatement("SELECT seq FROM " + table + " WHERE run = ?")) {
      s.setInt(1, run);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          present.add(rs.getLong(1));
        }
      }
    }
    return commits.stream().filter(commit -> !present.contains(commit.seq())).toList();
  }

  /** The longest time without a successful read that overlaps [fromMs, ∞). */
  synchronized long longestReadGapAfter(long fromMs) {
    long longest = 0;
    for (int i = 1; i < reads.size(); i++) {
      if (reads.get(i) >= fromMs) {
        longest = Math.max(longest, reads.get(i) - Math.max(reads.get(i - 1), fromMs));
      }
    }
    return longest;
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    writer.join(20_000);
    reader.join(20_000);
  }

  private static void close(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // Already broken: that is why it is closed.
      }
    }
  }

  private static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

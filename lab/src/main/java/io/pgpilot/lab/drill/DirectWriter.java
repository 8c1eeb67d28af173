package io.pgpilot.lab.drill;

import io.pgpilot.lab.Lab;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A client that keeps writing directly to the run's first primary, not through pgpool, over its
 * unix socket ({@link PsqlSession}): a partition that cuts the primary off from everyone else
 * does not cut this client, as it would not cut an application on the primary's side of it. Each
 * INSERT is its own commit; one acknowledged after another node was promoted is one the old
 * primary must never have been able to give, unless it is on the final primary too. Bounded in
 * commits and time; its psql is stopped by its PID on {@link #close}.
 */
final class DirectWriter implements AutoCloseable {

  static final String TABLE = "drill_direct_commits";
  /** About 200 commits a second: enough to catch a primary that acknowledges one, little load beside pgpool's writer. */
  static final long PERIOD_MS = 5;
  /** A primary that is down is tried less often, up to this. */
  static final long DOWN_PERIOD_MAX_MS = 100;
  static final Duration LIMIT = Duration.ofMinutes(10);
  static final int MAX_COMMITS = (int) (LIMIT.toMillis() / PERIOD_MS);

  private final String psql;
  private final Lab.Node primary;
  private final int run;
  private final RunClock clock;
  private final List<Workload.Commit> commits = new ArrayList<>();
  private final Thread thread = new Thread(this::write, "drill-direct-writer");
  private volatile boolean running = true;
  private volatile PsqlSession session;
  private volatile String lastError;

  DirectWriter(String psql, Lab.Node primary, int run, RunClock clock) {
    this.psql = psql;
    this.primary = primary;
    this.run = run;
    this.clock = clock;
  }

  String primary() {
    return primary.name();
  }

  void start() {
    thread.start();
  }

  private void write() {
    long deadline = clock.nowMs() + LIMIT.toMillis();
    long seq = 0;
    long pause = PERIOD_MS;
    try {
      while (running && clock.nowMs() < deadline && seq < MAX_COMMITS) {
        long start = clock.nowMs();
        boolean acknowledged = false;
        try {
          if (session == null) {
            session = PsqlSession.open(psql, primary.socketDir(), primary.port(), "pgpilot-drill-direct");
          }
          if (session != null) {
            seq++;
            // No timeout: a commit that waits for a standby that never confirms is not acknowledged,
            // however long it waits; close() ends the wait.
            List<String> answer = session.exchange("INSERT INTO " + TABLE + " (run, seq) VALUES (" + run + ", " + seq
                + ") RETURNING 'acknowledged', seq;", Duration.ofMillis(Math.max(1, deadline - clock.nowMs())));
            if (answer == null) {
              closeSession();
            } else if (answer.contains("acknowledged|" + seq)) {
              acknowledged = true;
              synchronized (this) {
                commits.add(new Workload.Commit(seq, start, clock.nowMs()));
              }
            } else {
              lastError = String.join(" ", answer);
            }
          }
        } catch (IOException e) {
          lastError = e.getMessage();
        }
        pause = acknowledged ? PERIOD_MS : Math.min(pause * 2, DOWN_PERIOD_MAX_MS);
        long wait = start + pause - clock.nowMs();
        if (wait > 0) {
          Thread.sleep(wait);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      try {
        closeSession();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void closeSession() throws InterruptedException {
    PsqlSession open = session;
    session = null;
    if (open != null) {
      open.close();
    }
  }

  synchronized List<Workload.Commit> commits() {
    return List.copyOf(commits);
  }

  String lastError() {
    return lastError;
  }

  /** Stops writing; a commit still waiting is abandoned unacknowledged, as its client would be killed. */
  @Override
  public void close() throws InterruptedException {
    running = false;
    // Closing the session ends a commit that waits for a standby; again while the writer still
    // runs, in case it had just opened another one.
    for (int i = 0; i < 50 && thread.isAlive(); i++) {
      PsqlSession waiting = session;
      if (waiting != null) {
        waiting.close();
      }
      thread.join(200);
    }
  }
}

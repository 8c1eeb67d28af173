package io.pgpilot.lab.drill;

import io.pgpilot.lab.Lab;
import io.pgpilot.lab.drill.Writability.Answer;
import io.pgpilot.lab.drill.Writability.Sample;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Asks every database host, about every 20 ms while a run goes on, whether it could acknowledge a
 * commit right now: not in recovery, and either its commits wait for no standby
 * (synchronous_standby_names empty, or synchronous_commit off or local) or a standby they wait for
 * streams (sync_state sync or quorum). A primary whose synchronous standby is gone cannot
 * acknowledge a commit and does not count. Each host has one psql session over its unix socket
 * ({@link PsqlSession}), so a partition does not hide a primary, opened again when PostgreSQL
 * restarts or the host boots. Bounded: {@link #MAX_SAMPLES} per host and {@link #LIMIT}; every
 * psql is stopped by its PID on {@link #close}.
 */
final class WritabilitySampler implements AutoCloseable {

  static final long PERIOD_MS = 20;
  /** A host that is down is asked less often, up to this: a stale socket costs a psql start per attempt. */
  static final long DOWN_PERIOD_MAX_MS = 100;
  static final Duration LIMIT = Duration.ofMinutes(20);
  static final int MAX_SAMPLES = (int) (LIMIT.toMillis() / PERIOD_MS);
  private static final Duration SAMPLE_TIMEOUT = Duration.ofSeconds(1);
  private static final String QUERY = "SELECT 'writability', pg_is_in_recovery(), NOT pg_is_in_recovery() AND ("
      + "current_setting('synchronous_standby_names') = '' OR current_setting('synchronous_commit') IN ('off', 'local')"
      + " OR EXISTS (SELECT 1 FROM pg_stat_replication WHERE state = 'streaming' AND sync_state IN ('sync', 'quorum')));";

  private final String psql;
  private final List<Lab.Node> nodes;
  private final RunClock clock;
  private final Map<String, List<Sample>> samples = new LinkedHashMap<>();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running = true;
  private volatile boolean bounded;
  private volatile String lastError;

  WritabilitySampler(String psql, List<Lab.Node> nodes, RunClock clock) {
    this.psql = psql;
    this.nodes = List.copyOf(nodes);
    this.clock = clock;
    nodes.forEach(n -> samples.put(n.name(), new ArrayList<>()));
  }

  void start() {
    for (Lab.Node node : nodes) {
      Thread thread = new Thread(() -> sample(node), "drill-writability-" + node.name());
      threads.add(thread);
      thread.start();
    }
  }

  private void sample(Lab.Node node) {
    List<Sample> mine = samples.get(node.name());
    long deadline = clock.nowMs() + LIMIT.toMillis();
    long pause = PERIOD_MS;
    PsqlSession session = null;
    try {
      while (running) {
        if (clock.nowMs() >= deadline || size(mine) >= MAX_SAMPLES) {
          bounded = true;
          return;
        }
        long sent = clock.nowMs();
        Answer answer = Answer.DOWN;
        try {
          if (session == null) {
            session = PsqlSession.open(psql, node.socketDir(), node.port(), "pgpilot-drill-writability");
          }
          if (session != null) {
            List<String> lines = session.exchange(QUERY, SAMPLE_TIMEOUT);
            if (lines == null) {
              session.close();
              session = null;
            } else {
              answer = answer(lines);
            }
          }
        } catch (IOException e) {
          lastError = node.name() + ": " + e.getMessage();
        }
        synchronized (mine) {
          mine.add(new Sample(sent, clock.nowMs(), answer));
        }
        pause = answer == Answer.DOWN ? Math.min(pause * 2, DOWN_PERIOD_MAX_MS) : PERIOD_MS;
        long wait = sent + pause - clock.nowMs();
        if (wait > 0) {
          Thread.sleep(wait);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (session != null) {
        try {
          session.close();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /** "writability|f|t": in recovery, could acknowledge a commit; anything else (an error) is no answer. */
  static Answer answer(List<String> lines) {
    for (String line : lines) {
      String[] fields = line.split("\\|");
      if (fields.length == 3 && fields[0].equals("writability")) {
        return fields[1].equals("t") ? Answer.STANDBY : fields[2].equals("t") ? Answer.WRITABLE
            : Answer.PRIMARY_WAITING;
      }
    }
    return Answer.DOWN;
  }

  private static int size(List<Sample> samples) {
    synchronized (samples) {
      return samples.size();
    }
  }

  /** Each host's samples so far, in order. */
  Map<String, List<Sample>> samples() {
    Map<String, List<Sample>> copy = new LinkedHashMap<>();
    samples.forEach((host, list) -> {
      synchronized (list) {
        copy.put(host, List.copyOf(list));
      }
    });
    return copy;
  }

  /** Whether a host's sampling stopped at its bound before the run ended: the timelines are incomplete. */
  boolean bounded() {
    return bounded;
  }

  /** Why a session could not be started, if one could not: null when none failed so. */
  String lastError() {
    return lastError;
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    for (Thread thread : threads) {
      thread.join(SAMPLE_TIMEOUT.toMillis() + DOWN_PERIOD_MAX_MS + 5_000);
    }
  }
}

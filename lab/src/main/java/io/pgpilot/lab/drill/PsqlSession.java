package io.pgpilot.lab.drill;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One psql session to a lab host's PostgreSQL over its unix socket, as the postgres OS user
 * (peer authentication), from the root namespace: a network partition of the host does not cut
 * it, which is the point when the host is a partitioned primary. One process for the whole
 * session: a statement costs a fraction of a millisecond where a psql process per statement
 * costs about ten. psql ends by itself when its connection is lost (it runs non-interactive) or
 * its input closes; {@link #close} stops it by its PID.
 */
final class PsqlSession implements AutoCloseable {

  /** What psql echoes after each exchange: the end of its answer, whatever the statement printed. */
  private static final String END = "--pgpilot-drill-end--";
  /** Queued when psql's output ends: no line that readLine returns holds a line break. */
  private static final String ENDED = "\n";
  private static final Duration STOP_WAIT = Duration.ofSeconds(2);

  private final Process process;
  private final OutputStream in;
  private final LinkedBlockingQueue<String> out = new LinkedBlockingQueue<>();
  private final Thread reader;

  private PsqlSession(Process process, String name) {
    this.process = process;
    this.in = process.getOutputStream();
    this.reader = new Thread(this::read, "psql-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  /** The socket file of a PostgreSQL listening in {@code socketDir} on {@code port}. */
  static Path socket(String socketDir, int port) {
    return Path.of(socketDir, ".s.PGSQL." + port);
  }

  /**
   * A session to the PostgreSQL whose socket is in {@code socketDir}; null when it has no socket
   * (it is not running), so that a host that is down costs no process per attempt.
   */
  static PsqlSession open(String psql, String socketDir, int port, String applicationName) throws IOException {
    if (!Files.exists(socket(socketDir, port))) {
      return null;
    }
    ProcessBuilder builder = new ProcessBuilder("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups",
        "--", psql, "-X", "-q", "-A", "-t", "-F", "|", "-h", socketDir, "-p", Integer.toString(port), "-U",
        "postgres", "-d", "postgres").redirectErrorStream(true);
    builder.environment().put("HOME", "/var/lib/postgresql");
    builder.environment().put("PGAPPNAME", applicationName);
    builder.environment().put("PGCONNECT_TIMEOUT", "2");
    return new PsqlSession(builder.start(), applicationName);
  }

  private void read() {
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        out.add(line);
      }
    } catch (IOException e) {
      // The process was stopped: the session ended, as below.
    }
    out.add(ENDED);
  }

  /**
   * Sends {@code sql} (statements, each ending in ';') and returns every line it printed, errors
   * included; null when the session ended or gave no complete answer within {@code timeout} (the
   * caller then closes it: what it prints later would be mistaken for the next answer).
   */
  List<String> exchange(String sql, Duration timeout) throws InterruptedException {
    try {
      in.write((sql + "\n\\echo " + END + "\n").getBytes(StandardCharsets.UTF_8));
      in.flush();
    } catch (IOException e) {
      return null;  // psql has exited
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    List<String> answer = new ArrayList<>();
    while (true) {
      String line = out.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (line == null || line.equals(ENDED)) {
        if (line != null) {
          out.add(ENDED);  // every later exchange sees the end too
        }
        return null;
      }
      if (line.equals(END)) {
        return answer;
      }
      answer.add(line);
    }
  }

  /** Stops psql by its PID (SIGTERM, then SIGKILL), bounded. */
  @Override
  public void close() throws InterruptedException {
    try {
      in.close();
    } catch (IOException ignored) {
      // psql has exited already
    }
    process.destroy();
    if (!process.waitFor(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      process.waitFor(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }
    reader.join(STOP_WAIT.toMillis());
  }
}

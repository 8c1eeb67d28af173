package io.pgpilot.lab;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/** The local lab, driven through `./pgpilot lab`, as a user drives it. */
public final class Lab {

  /** What a lab command did: its exit status and what it printed. */
  public record Result(int exitCode, String stdout, String stderr) {
    public boolean ok() {
      return exitCode == 0;
    }
  }

  /** `./pgpilot lab status --json`; {@code psql}: the lab's psql binary (no wrapper: it starts in milliseconds). */
  public record Status(List<Node> nodes, Pgpool pgpool, Emulator emulator, String psql) {
    public Node node(String name) {
      return nodes.stream()
          .filter(n -> n.name().equals(name))
          .findFirst()
          .orElseThrow(() -> new IllegalArgumentException("no lab node " + name));
    }
  }

  /**
   * One database host. {@code socketDir}: its PostgreSQL's unix socket directory, which a client
   * on this machine reaches as the postgres OS user whatever the lab's network does;
   * {@code bootLog}: what its boot gate decided at each boot of its instance.
   */
  public record Node(String name, String address, int port, String instanceId, String role,
      String state, Boolean inRecovery, String upstream, String syncState, Integer timeline,
      Long receiveLagBytes, Long replayLagBytes, String dsn, String socketDir, String bootLog) {}

  public record Pgpool(String name, String address, int port, String dsn) {}

  public record Emulator(String endpoint) {}

  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final Path root;
  private final Map<String, String> env;

  /** ENV: extra environment of every lab command (e.g. PGPILOT_EMULATOR_ENDPOINT). */
  public Lab(Path root, Map<String, String> env) {
    this.root = root;
    this.env = Map.copyOf(env);
  }

  /** The repository's root: the folder that holds the `pgpilot` launcher. */
  public static Lab fromWorkingDirectory(Map<String, String> env) {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isExecutable(dir.resolve("pgpilot"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("no ./pgpilot launcher above " + Path.of("").toAbsolutePath());
    }
    return new Lab(dir, env);
  }

  public Result run(String... args) {
    List<String> command = new ArrayList<>(List.of(root.resolve("pgpilot").toString(), "lab"));
    command.addAll(List.of(args));
    try {
      ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile());
      builder.environment().putAll(env);
      Path out = Files.createTempFile("pgpilot-lab", ".out");
      Path err = Files.createTempFile("pgpilot-lab", ".err");
      try {
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(3, TimeUnit.MINUTES)) {
          process.destroyForcibly();
          throw new IllegalStateException("lab " + String.join(" ", args) + " took over 3 minutes");
        }
        return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run ./pgpilot lab", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Runs a lab command that must succeed. */
  public String must(String... args) {
    Result result = run(args);
    if (!result.ok()) {
      throw new IllegalStateException("lab " + String.join(" ", args) + " failed (" + result.exitCode()
          + "):\n" + result.stdout() + result.stderr());
    }
    return result.stdout();
  }

  /** Recreates the lab from nothing, for tests that break it on purpose. */
  public void recreate() {
    must("down");
    must("up");
  }

  /**
   * Whether the lab is as `lab up` makes it: pg1 primary on timeline 1, pg2 its synchronous standby,
   * pg3 streaming from pg2. A drill or a test that failed over leaves another shape.
   */
  public boolean inFirstShape() {
    Status status = status();
    Node pg1 = status.node("pg1");
    Node pg2 = status.node("pg2");
    Node pg3 = status.node("pg3");
    return "primary".equals(pg1.role()) && Integer.valueOf(1).equals(pg1.timeline())
        && "standby".equals(pg2.role()) && "pg1".equals(pg2.upstream()) && "streaming".equals(pg2.state())
        && "sync".equals(pg2.syncState())
        && "standby".equals(pg3.role()) && "pg2".equals(pg3.upstream()) && "streaming".equals(pg3.state());
  }

  public Status status() {
    try {
      return JSON.readValue(must("status", "--json"), Status.class);
    } catch (IOException e) {
      throw new IllegalStateException("lab status --json printed no valid JSON", e);
    }
  }

  /** A JDBC connection to a node or to pgpool, from the libpq URI the lab prints. */
  public Connection connect(String dsn) throws SQLException {
    return connect(dsn, Map.of());
  }

  /** OPTIONS: extra pgjdbc properties, e.g. preferQueryMode=simple for pgpool's SHOW commands. */
  public Connection connect(String dsn, Map<String, String> options) throws SQLException {
    Dsn parsed = Dsn.parse(dsn);
    Properties props = new Properties();
    props.setProperty("user", parsed.user());
    props.setProperty("password", parsed.password());
    props.setProperty("sslmode", parsed.sslmode());
    if (parsed.sslrootcert() != null) {
      props.setProperty("sslrootcert", parsed.sslrootcert());
    }
    props.setProperty("connectTimeout", "2");
    props.setProperty("socketTimeout", "30");
    options.forEach(props::setProperty);
    return DriverManager.getConnection(
        "jdbc:postgresql://" + parsed.host() + ":" + parsed.port() + "/" + parsed.database(), props);
  }

  /** A libpq URI the lab prints, with the password looked up in its passfile. */
  public record Dsn(String host, int port, String database, String user, String password, String sslmode,
      String sslrootcert) {
    public static Dsn parse(String dsn) {
      URI uri = URI.create(dsn);
      Map<String, String> query = new HashMap<>();
      for (String pair : uri.getRawQuery().split("&")) {
        String[] kv = pair.split("=", 2);
        query.put(kv[0], kv[1]);
      }
      String user = uri.getUserInfo();
      return new Dsn(uri.getHost(), uri.getPort(), uri.getPath().substring(1), user,
          Lab.password(Path.of(query.get("passfile")), user), query.get("sslmode"), query.get("sslrootcert"));
    }
  }

  public Connection connectNode(String name) throws SQLException {
    return connect(status().node(name).dsn());
  }

  public Connection connectPgpool() throws SQLException {
    return connect(status().pgpool().dsn());
  }

  /** The password of USER in a libpq password file (lines host:port:db:user:password). */
  private static String password(Path passfile, String user) {
    try {
      for (String line : Files.readAllLines(passfile, StandardCharsets.UTF_8)) {
        String[] fields = line.split(":", 5);
        if (fields.length == 5 && fields[3].equals(user)) {
          return fields[4];
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the lab's password file " + passfile, e);
    }
    throw new IllegalStateException("no password for " + user + " in " + passfile);
  }

  /** Polls until the condition holds, at most `limit`; bounded, never forever. */
  public static void await(Duration limit, String what, Check check) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try {
        if (check.holds()) {
          return;
        }
      } catch (Exception e) {
        last = e;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("not within " + limit + ": " + what, last);
  }

  @FunctionalInterface
  public interface Check {
    boolean holds() throws Exception;
  }
}

package io.pgpilot.lab.drill;

import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import io.pgpilot.adapters.DynamoDbHistoryLog;
import io.pgpilot.config.ClusterConfig;
import io.pgpilot.handlers.EventRouter;
import io.pgpilot.handlers.InstanceStateHandler;
import io.pgpilot.handlers.MonitorHandler;
import io.pgpilot.handlers.RunFailedException;
import io.pgpilot.handlers.SwitchoverHandler;
import io.pgpilot.lab.Lab;
import io.pgpilot.lab.invoke.LocalContext;
import io.pgpilot.lab.sensor.PgpoolReports;
import io.pgpilot.lab.ssm.DocumentDeployer;
import io.pgpilot.lab.ssm.Emulator;
import io.pgpilot.lab.ssm.LabSsmService;
import io.pgpilot.runner.Outcome;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.logging.StreamHandler;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * The failover drill: a writer and a reader through pgpool, a fault, and the real automation
 * acting on the lab (handlers, workflow, SSM documents run on the lab hosts by the lab SSM
 * service, the emulator for every other AWS API). Measures RTO, lost commits, the read outage
 * and each phase, per run, and samples every database host's writability throughout; puts the
 * cluster back together after every run.
 * <pre>
 *   Drill [--scenario NAME] [--runs N] [--json FILE] [--tick-ms MS] [--documents DIR]
 *   Drill --matrix [--scenarios A,B] [--runs N] [--json FILE]
 * </pre>
 * Exit status 0 when every run was correct (no acknowledged commit lost, writes came back, never
 * two hosts able to acknowledge a commit at once, the scenario's expectations met, the cluster
 * whole afterwards), 1 otherwise, 2 for bad arguments.
 */
public final class Drill {

  private static final String USAGE = "usage: drill [--scenario NAME] [--runs N] [--async] [--compare] [--json FILE]"
      + " [--tick-ms MS] [--aws-latency]\n"
      + "       drill --matrix [--scenarios A,B...] [--runs N] [--json FILE] [--tick-ms MS]\n"
      + "  scenarios: " + Scenario.ids() + " (default primary-crash)\n"
      + "  --runs N      runs, 1 to 100 (default 3; 1 per scenario with --matrix)\n"
      + "  --async       asynchronous replication (PGPILOT_REPLICATION_MODE=asynchronous)\n"
      + "  --compare     the same runs with pgpool-II's failover_command and with Patroni (default and tuned)\n"
      + "  --matrix      every scenario (or those of --scenarios), one table; exit 1 when any run violates\n"
      + "  --aws-latency the lab's services take AWS's time: Run Command delivery 5 s, event delivery 0.5 s and a\n"
      + "                function's cold start 1 s before each event's handler (the report's settings.awsLatency)\n"
      + "  --json FILE   the report (default target/drill/drill-SCENARIO.json, with --matrix target/drill/matrix.json;"
      + " the charts beside it, .png)\n"
      + "  --tick-ms MS  the monitor's schedule, 200 to 60000 (default 60000: the deployed rule's rate(1 minute));\n"
      + "                shorter is a lab-only fast mode that AWS cannot give, labelled so in the report";
  private static final Duration ACT_LIMIT = Duration.ofSeconds(90);
  /** The deployed monitor rule's schedule, rate(1 minute): EventBridge's shortest. */
  static final long SCHEDULE_MS = 60_000;
  /** How long partition-probe watches the monitor not act: several ticks, each probing a primary that does not answer. */
  private static final Duration PROBE_WINDOW = Duration.ofSeconds(20);
  private static final Duration RECOVERY_LIMIT = Duration.ofSeconds(90);
  private static final Duration WHOLE_LIMIT = Duration.ofSeconds(120);
  /** How long instance-restart waits for the old primary's boot gate to decide. */
  private static final Duration BOOT_LIMIT = Duration.ofSeconds(60);
  private static final long WARM_UP_MS = 2_000;
  private static final long TAIL_MS = 2_000;
  static final String PGPILOT = "pgpilot";
  /** The lab's HA modes the comparison runs, pgpilot first: the ratios are to it. */
  static final List<String> CONTENDERS = List.of(PGPILOT, "pgpool", "patroni", "patroni-tuned");
  static final Map<String, String> CONTENDER_NOTES = Map.of(
      PGPILOT, "the Lambda handlers and SSM documents; crash detection by pgpool's report or the monitor's sentinel",
      "pgpool", "pgpool-II 4.3 failover_command and follow_primary_command, health check every 1 s",
      "patroni", "Patroni 3.0 and etcd 3.4, Patroni's defaults: ttl 30, loop_wait 10, retry_timeout 10",
      "patroni-tuned", "Patroni 3.0 and etcd 3.4, ttl 10, loop_wait 1, retry_timeout 4");

  /** What the command line asked for: one scenario, or with {@code matrix} each of {@code scenarios} in turn. */
  record Options(List<Scenario> scenarios, boolean matrix, int runs, Path json, long tickMs, Path documents,
      boolean async, boolean compare, AwsLatency latency) {

    static Options parse(String[] args) {
      Scenario scenario = null;
      List<Scenario> only = null;
      Integer runs = null;
      Path json = null;
      long tickMs = SCHEDULE_MS;
      Path documents = Path.of("ssm-documents");
      boolean async = false;
      boolean compare = false;
      boolean matrix = false;
      AwsLatency latency = AwsLatency.NONE;
      for (int i = 0; i < args.length; i++) {
        String value = i + 1 < args.length ? args[i + 1] : null;
        switch (args[i]) {
          case "--scenario" -> scenario = Scenario.parse(need(args[i], value));
          case "--scenarios" -> only = Arrays.stream(need(args[i], value).split(",")).map(String::trim)
              .map(Scenario::parse).distinct().toList();
          case "--runs" -> runs = (int) number(args[i], need(args[i], value), 1, 100);
          case "--json" -> json = Path.of(need(args[i], value));
          case "--tick-ms" -> tickMs = number(args[i], need(args[i], value), 200, 60_000);
          case "--documents" -> documents = Path.of(need(args[i], value));
          case "--async" -> {
            async = true;
            continue;
          }
          case "--compare" -> {
            compare = true;
            continue;
          }
          case "--matrix" -> {
            matrix = true;
            continue;
          }
          case "--aws-latency" -> {
            latency = AwsLatency.MODEL;
            continue;
          }
          default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
        }
        i++;
      }
      if (matrix && (scenario != null || async || compare)) {
        throw new IllegalArgumentException("--matrix runs every scenario (restrict it with --scenarios), synchronous"
            + " and with pgpilot only: drop --scenario, --async and --compare");
      }
      if (only != null && !matrix) {
        throw new IllegalArgumentException("--scenarios is for --matrix; one scenario is --scenario NAME");
      }
      scenario = scenario == null ? Scenario.PRIMARY_CRASH : scenario;
      if (compare && scenario != Scenario.PRIMARY_CRASH && scenario != Scenario.PRIMARY_STOP) {
        throw new IllegalArgumentException("--compare is for primary-crash and primary-stop: the others are pgpilot's"
            + " own (pgpool and Patroni do not re-point a cascade or switch over by themselves)");
      }
      if (compare && async) {
        throw new IllegalArgumentException("--compare runs every contender synchronous, as the lab is; drop --async");
      }
      List<Scenario> scenarios = !matrix ? List.of(scenario) : only == null ? List.of(Scenario.values()) : only;
      if (json == null) {
        json = Path.of("target", "drill", matrix ? "matrix.json" : "drill-" + scenario.id + ".json");
      }
      return new Options(scenarios, matrix, runs != null ? runs : matrix ? 1 : 3, json, tickMs, documents, async,
          compare, latency);
    }

    private static String need(String flag, String value) {
      if (value == null) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      return value;
    }

    private static long number(String flag, String value, long min, long max) {
      try {
        long n = Long.parseLong(value);
        if (n >= min && n <= max) {
          return n;
        }
      } catch (NumberFormatException ignored) {
        // said below
      }
      throw new IllegalArgumentException(flag + " must be a whole number from " + min + " to " + max + ", not '"
          + value + "'");
    }

    /** The one scenario of a drill without --matrix. */
    Scenario scenario() {
      return scenarios.get(0);
    }

    /** What the report and the automation's log are named after: the scenario, or "matrix". */
    String name() {
      return matrix ? "matrix" : scenario().id;
    }

    /** The chart of {@code scenario}'s runs, beside the JSON report (one per scenario with --matrix). */
    Path chart(Scenario scenario) {
      String name = json.getFileName().toString();
      String stem = name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
      return json.resolveSibling(stem + (matrix ? "-" + scenario.id : "") + ".png");
    }
  }

  private final Options options;
  private final Lab lab;
  /** The functions' environment (the lab's variables), before a scenario's own settings. */
  private final Map<String, String> env;
  private final PrintStream automationLog;
  private final Path automationLogFile;
  private final LabInstances instances;
  private final RunKiller killer = new RunKiller();
  private final PrintStream out;
  private final long started = System.nanoTime();
  /** The scenario the router is wired for; set before the first run. */
  private Scenario current;
  /** Built again for each scenario and after a lab is recreated: a new lab has new passwords and instances. */
  private volatile EventRouter router;

  Drill(Options options, Lab lab, Map<String, String> env, PrintStream automationLog, Path automationLogFile,
      LabInstances instances, PrintStream out) {
    this.options = options;
    this.lab = lab;
    this.env = Map.copyOf(env);
    this.automationLog = automationLog;
    this.automationLogFile = automationLogFile;
    this.instances = instances;
    this.out = out;
  }

  public static void main(String[] args) throws Exception {
    // The SDK's and the SSM service's threads must not keep a finished drill alive.
    System.exit(run(args, System.getenv(), System.out));
  }

  /**
   * The drill as `./pgpilot drill ARGS` runs it, with {@code env} as the functions' environment
   * (the lab's variables); the exit status.
   */
  public static int run(String[] args, Map<String, String> env, PrintStream out) throws Exception {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("pgpilot drill: " + e.getMessage() + "\n" + USAGE);
      return 2;
    }
    Lab lab = Lab.fromWorkingDirectory(Map.of());  // up: ./pgpilot drill brings it up
    URI emulator = URI.create(env.getOrDefault("AWS_ENDPOINT_URL", "http://127.0.0.1:45660"));
    Path log = options.json().toAbsolutePath().resolveSibling("drill-" + options.name() + "-automation.log");
    Files.createDirectories(log.getParent());
    Logger labLogger = Logger.getLogger("io.pgpilot");
    try (LabSsmService ssm = new LabSsmService(0, emulator, Clock.systemUTC(), options.latency().ssmDelivery());
        PrintStream automationLog = new PrintStream(Files.newOutputStream(log), true);
        Ec2Client ec2 = Ec2Client.create()) {
      // The lab SSM service's lines go with the automation's, not between the drill's.
      Handler toLog = new StreamHandler(automationLog, new SimpleFormatter()) {
        @Override
        public synchronized void publish(LogRecord record) {
          super.publish(record);
          flush();
        }
      };
      labLogger.setUseParentHandlers(false);
      labLogger.addHandler(toLog);
      String previousSsm = System.setProperty("aws.endpointUrlSsm", ssm.start().toString());
      try {
        Map<String, String> functionEnv = new HashMap<>(env);
        if (options.async()) {
          functionEnv.put("PGPILOT_REPLICATION_MODE", "asynchronous");
        }
        Drill drill = new Drill(options, lab, functionEnv, automationLog, log,
            new LabInstances(ec2, ClusterConfig.from(functionEnv).cluster()), out);
        drill.say("the automation's log: " + log);
        return drill.run(emulator) ? 0 : 1;
      } finally {
        labLogger.removeHandler(toLog);
        labLogger.setUseParentHandlers(true);
        if (previousSsm == null) {
          System.clearProperty("aws.endpointUrlSsm");
        } else {
          System.setProperty("aws.endpointUrlSsm", previousSsm);
        }
      }
    }
  }

  /** The functions' environment for {@code scenario}: the lab's, with the scenario's own settings. */
  private ClusterConfig config(Scenario scenario) {
    Map<String, String> settings = new HashMap<>(env);
    if (scenario == Scenario.KILLED_MIDWAY) {
      settings.putAll(Scenario.SHORT_LEASE);
    }
    return ClusterConfig.from(settings);
  }

  /** The automation as the runs of {@code scenario} meet it; killed-midway's can be killed part way. */
  private EventRouter router(Scenario scenario) {
    return scenario == Scenario.KILLED_MIDWAY
        ? EventRouter.from(config(scenario), automationLog, killer::leases, killer::commands)
        : EventRouter.from(config(scenario), automationLog);
  }

  /**
   * Every run (of every scenario, of every contender), then the tables, the JSON report and the
   * charts; true when pgpilot's runs were all correct.
   */
  boolean run(URI emulator) throws Exception {
    String pgpool = lab.status().pgpool().dsn();  // the same after a recreate: pgpool1's address
    current = options.scenarios().get(0);
    prepareLab(emulator, pgpool);
    List<RunResult> results = new ArrayList<>();
    Map<String, Report> byContender = new LinkedHashMap<>();
    for (Scenario scenario : options.scenarios()) {
      if (scenario != current) {
        current = scenario;
        router = router(scenario);
      }
      if (options.matrix()) {
        out.println();
        say("scenario: " + scenario.id);
      }
      List<Chart.Series> series = new ArrayList<>();
      for (String ha : options.compare() ? CONTENDERS : List.of(PGPILOT)) {
        if (options.compare()) {
          out.println();
          say("contender: " + ha + " (" + CONTENDER_NOTES.get(ha) + ")");
        }
        List<RunResult> mine = new ArrayList<>();
        for (int i = 0; i < options.runs(); i++) {
          if (!ha.equals(PGPILOT)) {
            // Only pgpilot puts the cluster back together: the others start each run from a fresh lab.
            lab.must("down");
            lab.must("up", "--ha", ha);
            Workload.prepare(lab, pgpool);
          }
          RunResult result = runOnce(scenario, ha, nextRunNumber(pgpool), i + 1, pgpool, series, emulator);
          mine.add(result);
          if (ha.equals(PGPILOT) && !result.correct()) {
            say(scenario.id + " run " + (i + 1) + " VIOLATED: " + String.join("; ", result.violations()));
          }
          if (Boolean.FALSE.equals(result.whole())) {
            say("run " + (i + 1) + ": the cluster is not whole (" + result.wholeDetail() + "): recreating the lab");
            recreateLab(emulator, pgpool);
          }
        }
        results.addAll(mine);
        byContender.put(ha, new Report(scenario.id, Map.of(), mine));
      }
      Chart.write("pgpilot drill: " + scenario.id + ", commits and reads per second through pgpool", series,
          options.chart(scenario));
      say("chart: " + options.chart(scenario).toAbsolutePath());
    }
    if (options.compare()) {
      say("the lab goes back to pgpilot's HA");
      lab.must("down");
      lab.must("up");
      prepareLab(emulator, pgpool);
    }
    Report report = new Report(options.name(), settings(), results);
    out.println();
    if (options.matrix()) {
      report.printMatrix(options.scenarios().stream().map(s -> s.id).toList(), out);
      report.writeJson(options.json(), report.summaryByScenario(), null);
    } else {
      report.printTable(out, !options.compare());
      if (options.compare()) {
        out.println();
        Report.printComparison(byContender, CONTENDER_NOTES, out);
      }
      report.writeJson(options.json(), byContender.get(PGPILOT).summary(),
          options.compare() ? Report.comparison(byContender, CONTENDER_NOTES) : null);
    }
    say("report: " + options.json().toAbsolutePath());
    return results.stream().filter(r -> r.ha().equals(PGPILOT)).allMatch(RunResult::correct);
  }

  private Map<String, Object> settings() {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("scenarios", options.scenarios().stream().map(s -> s.id).toList());
    settings.put("monitorScheduleSeconds", options.tickMs() / 1000.0);
    settings.put("monitorSchedule", options.tickMs() == SCHEDULE_MS ? "as deployed: rate(1 minute)"
        : "lab-only fast mode (--tick-ms " + options.tickMs() + "): AWS schedules no more often than once a minute");
    settings.put("sentinelSeconds", config(current).sentinel().toSeconds());
    settings.put("awsLatency", options.latency() == AwsLatency.NONE
        ? "none: the lab's own speed (Run Command at once, events handed over at once, functions warm)"
        : options.latency().settings());
    settings.put("probeIntervalMs", env.getOrDefault("PGPILOT_PROBE_INTERVAL_MS", "500"));
    settings.put("confirmationProbes", env.getOrDefault("PGPILOT_CONFIRMATION_PROBES", "3"));
    settings.put("replication", options.async() ? "asynchronous (PGPILOT_REPLICATION_MODE=asynchronous)"
        : "synchronous (FIRST 1 of the standbys streaming from the primary)");
    settings.put("writabilitySampleMs", WritabilitySampler.PERIOD_MS);
    if (options.scenarios().contains(Scenario.KILLED_MIDWAY)) {
      settings.put("killedMidwayFunctionSettings", Scenario.SHORT_LEASE);
    }
    settings.put("cores", Runtime.getRuntime().availableProcessors());
    settings.put("at", Instant.now().toString());
    return settings;
  }

  /** What a run gathers beside its measurements, for its scenario's expectations. */
  private static final class Seen {
    final List<String> decisions = new ArrayList<>();
    List<List<String>> deliveries = List.of();
    boolean killed;
    String bootGate;
    /** When the failed node's running event was delivered, and its outcome; null before. */
    Long runningEventMs;
    String rejoin;
  }

  private RunResult runOnce(Scenario scenario, String ha, int runId, int number, String pgpool,
      List<Chart.Series> series, URI emulator) throws Exception {
    boolean pgpilot = ha.equals(PGPILOT);
    String tag = (options.matrix() ? scenario.id + " " : "") + (pgpilot ? "" : ha + " ") + "run " + number + "/"
        + options.runs();
    Lab.Status before = lab.status();
    String target;
    try {
      target = scenario.target(before);
    } catch (IllegalStateException e) {
      // E.g. no cascade left after a failover: the lab's first shape has every scenario's node.
      say(tag + ": " + e.getMessage() + "; recreating the lab in its first shape");
      recreateLab(emulator, pgpool);
      before = lab.status();
      target = scenario.target(before);
    }
    Lab.Status shape = before;
    String primaryBefore = primaryOf(before);
    say(tag + ": " + Scenario.describe(before.nodes()));
    RunClock clock = new RunClock();
    Instant startedAt = Instant.now();
    long logFrom = Files.size(automationLogFile);
    String excluded = scenario == Scenario.BAD_TAG ? instances.instanceId(Scenario.BAD_TAG_HOST) : null;
    Ticker ticker = pgpilot && scenario.trigger == Scenario.Trigger.MONITOR ? new Ticker(clock) : null;
    SensorFeed sensor = null;
    Seen seen = new Seen();
    Acted acted = null;
    boolean healed = true;
    long faultAt;
    Workload workload = new Workload(lab, pgpool, runId, clock);
    DirectWriter direct = scenario.directWriter() || options.async()
        ? new DirectWriter(before.psql(), before.node(primaryBefore), runId, clock) : null;
    WritabilitySampler sampler = new WritabilitySampler(before.psql(), before.nodes(), clock);
    long duration;
    String primaryAfter;
    Integer timelineAfter;
    List<Long> missing;
    List<Workload.Commit> directMissing = null;
    Boolean whole = null;
    String problem = null;
    long restoreMs = 0;
    Long pathBackAt = null;
    ArchiveLag archiveLag = null;
    Pitr.Result pitr = null;
    try {
      sampler.start();
      try {
        workload.start();
        if (direct != null) {
          direct.start();
        }
        if (ticker != null) {
          ticker.start();
          // killed-midway kills the monitor's run, as its expectations say: pgpool's reports are discarded.
          sensor = scenario == Scenario.KILLED_MIDWAY ? null : new SensorFeed(ticker, clock);
        }
        Thread.sleep(WARM_UP_MS);
        say(tag + ": writing through pgpool, " + workload.commits().size() + " commits in " + WARM_UP_MS / 1000
            + " s" + (direct == null ? "" : ", directly to " + primaryBefore + ", " + direct.commits().size())
            + "; fault: " + scenario.id + " of " + target);
        healed = !scenario.healed();
        if (scenario == Scenario.KILLED_MIDWAY) {
          killer.arm();
        }
        archiveLag = ArchiveLag.on(lab, primaryBefore);
        scenario.inject(lab, instances, target, shape);
        faultAt = clock.nowMs();
        if (scenario == Scenario.PGPOOL_BLIP) {
          Thread.sleep(Scenario.BLIP_MS);
          scenario.heal(lab, instances, shape);
          healed = true;
          pathBackAt = clock.nowMs();
          say(tag + ": " + Scenario.PGPOOL_HOST + "'s path to " + target + " back at +"
              + Report.seconds(pathBackAt - faultAt));
        }
        if (pgpilot) {
          acted = act(scenario, tag, clock, ticker, before.node(target).instanceId(), target, faultAt, seen);
        }
        if (!healed) {
          scenario.heal(lab, instances, shape);
          healed = true;
          long healedAt = clock.nowMs();
          say(tag + ": " + (scenario == Scenario.BAD_TAG ? "the tag restored" : "partitions healed") + " at +"
              + Report.seconds(healedAt - faultAt));
          if (acted != null && acted.outcome().action() == Outcome.Action.REFUSED) {
            acted = ticker.awaitAction(healedAt, reason -> false, ACT_LIMIT);
            record(tag, acted, faultAt, seen);
          }
        }
        // At least a second after the fault: a killed postmaster's backends may still commit for a moment.
        long deadline = clock.nowMs() + RECOVERY_LIMIT.toMillis();
        Workload.Commit resumed;
        while (((resumed = workload.resumedAfter(faultAt)) == null || clock.nowMs() < faultAt + 1000)
            && clock.nowMs() < deadline) {
          Thread.sleep(20);
        }
        say(tag + ": " + (resumed == null ? "no commit through pgpool within " + RECOVERY_LIMIT.toSeconds() + " s ("
            + workload.lastError() + ")" : "writes through pgpool again at +"
            + Report.seconds(resumed.ackMs() - faultAt)));
        if (pgpilot && scenario == Scenario.INSTANCE_RESTART) {
          restartOldPrimary(tag, before.node(target), clock, ticker, faultAt, seen);
        }
        Thread.sleep(TAIL_MS);
      } finally {
        if (!healed) {
          scenario.heal(lab, instances, shape);
        }
        if (sensor != null) {
          sensor.close();
        }
        if (ticker != null) {
          ticker.close();
        }
        workload.close();
        if (direct != null) {
          direct.close();
        }
      }
      duration = clock.nowMs();
      Lab.Status after = lab.status();
      primaryAfter = primaryOf(after);
      timelineAfter = primaryAfter == null ? null : after.node(primaryAfter).timeline();
      missing = primaryAfter == null ? null : workload.missingOn(primaryAfter);
      if (direct != null && primaryAfter != null) {
        directMissing = Workload.missing(lab, primaryAfter, DirectWriter.TABLE, runId, direct.commits());
      }
      say(tag + ": " + workload.commits().size() + " commits acknowledged, " + (missing == null
          ? "no primary to count them on" : missing.size() + " missing on " + primaryAfter
          + (missing.isEmpty() ? "" : " (" + missing.subList(0, Math.min(10, missing.size())) + ")"))
          + (direct == null ? "" : "; directly to " + primaryBefore + ": " + direct.commits().size() + " acknowledged, "
          + (directMissing == null ? "?" : directMissing.size()) + " missing"));
      if (pgpilot) {
        long restoreStart = System.nanoTime();
        restore(scenario, tag, target, clock, seen);
        problem = awaitWhole(pgpool);
        whole = problem == null;
        restoreMs = (System.nanoTime() - restoreStart) / 1_000_000;
        say(tag + ": " + (whole ? "whole again in " + Report.seconds(restoreMs) + ": "
            + Scenario.describe(lab.status().nodes()) : "NOT whole after " + Report.seconds(restoreMs) + ": "
            + problem));
      }
      if (scenario == Scenario.PITR && primaryAfter != null) {
        Workload.Commit resumed = workload.resumedAfter(faultAt);
        pitr = Pitr.restore(lab, primaryOf(lab.status()), runId, workload.commits(),
            resumed == null ? Long.MAX_VALUE : resumed.ackMs());
        say(tag + ": " + (pitr.problem() != null ? "point-in-time restore failed: " + pitr.problem()
            : "restored to " + pitr.target() + " in " + pitr.restoreSeconds() + " s (backup " + pitr.backup()
            + ", WAL archived " + pitr.archiveMs() + " ms after its switch): " + pitr.restoredRows() + " of "
            + pitr.expectedRows() + " commits acknowledged before it, " + pitr.extraSample().size()
            + " after it" + (pitr.restoredUnacknowledged() == 0 ? ""
            : ", " + pitr.restoredUnacknowledged() + " never acknowledged")));
      }
    } finally {
      sampler.close();
    }

    Map<String, List<Writability.Sample>> samples = sampler.samples();
    Writability.Overlap overlap = Writability.maxAtOnce(samples);
    Long promotedAt = Writability.promotedAtMs(samples, primaryBefore);
    List<String> problems = new ArrayList<>(samplerProblems(sampler, samples, primaryBefore, faultAt));
    Long rto = workload.rtoMs(faultAt);
    Workload.Commit backForGood = workload.resumedAfter(faultAt);
    Long steady = backForGood == null ? null : backForGood.ackMs() - faultAt;
    if (pgpilot) {
      Writability.Sample again = promotedAt == null ? null
          : Writability.firstAsPrimary(samples.get(primaryBefore), promotedAt);
      Scenario.Evidence evidence = new Scenario.Evidence(primaryBefore, primaryAfter, timelineOf(shape),
          timelineAfter, acted == null ? null : acted.outcome().action().name(), rto,
          workload.writeErrorsAfter(faultAt), seen.deliveries, seen.killed,
          scenario == Scenario.KILLED_MIDWAY && cutOffRecorded(startedAt), excluded,
          excluded != null && alerted(logFrom, excluded), seen.bootGate, seen.rejoin,
          again == null ? null : again.answer() + " at +" + Report.seconds(again.sentMs() - faultAt)
              + (seen.runningEventMs == null ? "" : ", its running event at +"
              + Report.seconds(seen.runningEventMs - faultAt)));
      problems.addAll(scenario.problems(evidence));
    }
    say(tag + ": at most " + overlap.hosts() + " host(s) could acknowledge a commit at once"
        + (overlap.hosts() > 1 ? ": " + overlapDetail(overlap, faultAt) : "")
        + (promotedAt == null ? "" : "; a new primary from +" + Report.seconds(promotedAt - faultAt)));
    List<Workload.Commit> lostAfter = directMissing == null ? null : directMissing.stream()
        .filter(c -> promotedAt == null || c.ackMs() > promotedAt).toList();
    if (lostAfter != null) {
      say(tag + ": direct commits missing on " + primaryAfter + ": " + lostAfter.size() + " acknowledged after the"
          + " promotion, " + (directMissing.size() - lostAfter.size()) + " before it");
    }

    String label = (pgpilot ? "pgpilot " : "") + tag + ": " + target + " " + scenario.id + ", RTO "
        + Report.seconds(rto) + ", " + (missing == null ? "?" : missing.size()) + " lost";
    series.add(new Chart.Series(label, duration, faultAt,
        workload.commits().stream().map(Workload.Commit::ackMs).toList(), workload.reads(),
        acted == null ? rtoMark(faultAt, rto) : marks(acted, faultAt, rto)));
    String ranking = seen.decisions.stream().map(d -> Ranking.problem(d, shape)).filter(p -> p != null)
        .findFirst().orElse(null);
    if (ranking != null) {
      say(tag + ": candidate ranking: " + ranking);
    }
    return new RunResult(ha, number, scenario.id, target, primaryBefore, primaryAfter, timelineOf(shape),
        timelineAfter, acted == null ? null : acted.outcome().action().name(),
        acted == null ? null : acted.outcome().reason(), seen.decisions, ranking, rto, steady,
        workload.commits().size(), missing == null ? null : missing.size(),
        missing == null ? List.of() : missing.subList(0, Math.min(20, missing.size())),
        overlap.hosts(), overlap.hosts() > 1 ? overlapDetail(overlap, faultAt) : null,
        direct == null ? null : direct.commits().size(), lostAfter == null ? null : lostAfter.size(),
        lostAfter == null ? null : directMissing.size() - lostAfter.size(),
        lostAfter == null ? List.of() : lostAfter.stream().limit(20).map(Workload.Commit::seq).toList(),
        workload.longestReadGapAfter(faultAt), workload.writeErrors(),
        pathBackAt == null || rto == null ? null : rto - (pathBackAt - faultAt),
        acted == null ? Map.of() : phases(acted, faultAt), restoreMs, whole, problem,
        problems.isEmpty() ? null : String.join("; ", problems), archiveLag, pitr);
  }

  /** Why the samples cannot vouch for the run: the first primary never seen writable, a bound reached. */
  private static List<String> samplerProblems(WritabilitySampler sampler, Map<String, List<Writability.Sample>> samples,
      String primaryBefore, long faultAt) {
    List<String> problems = new ArrayList<>();
    if (primaryBefore == null || !Writability.writableBefore(samples.get(primaryBefore), faultAt)) {
      problems.add("the writability sampler never saw " + primaryBefore + " writable before the fault"
          + (sampler.lastError() == null ? "" : " (" + sampler.lastError() + ")") + ": its timelines say nothing");
    }
    if (sampler.bounded()) {
      problems.add("the writability sampler stopped at its bound (" + WritabilitySampler.LIMIT.toMinutes()
          + " minutes) before the run ended");
    }
    return problems;
  }

  private static String overlapDetail(Writability.Overlap overlap, long faultAt) {
    return String.join(" and ", overlap.which()) + " at +" + Report.seconds(overlap.atMs() - faultAt);
  }

  /**
   * What tells pgpilot: the monitor's schedule, the instance's state-change event (once, or from
   * several events at once), or the switchover request; the outcome of the run that decided.
   */
  private Acted act(Scenario scenario, String tag, RunClock clock, Ticker ticker, String instance, String target,
      long faultAt, Seen seen) throws Exception {
    Map<String, Object> request = Map.of("target", target);
    Acted acted = switch (scenario.trigger) {
      case MONITOR -> ticker.awaitAction(faultAt, scenario::endedByRefusal,
          scenario.expectsAction() ? ACT_LIMIT : PROBE_WINDOW);
      case INSTANCE_EVENT -> invoke(clock, () -> instanceEvent(instance, "stopped", UUID.randomUUID().toString()));
      case INSTANCE_EVENTS_AT_ONCE -> deliverAtOnce(clock, instance, seen);
      case SWITCHOVER -> invoke(clock, () -> {
        pause(options.latency().lambdaStart().toMillis());
        return new SwitchoverHandler(router).handleRequest(request, new LocalContext(SwitchoverHandler.class.getName()));
      });
    };
    record(tag, acted, faultAt, seen);
    if (scenario == Scenario.KILLED_MIDWAY) {
      seen.killed = killer.killedAt() != null;
      if (seen.killed) {
        // The next trigger that takes the lease once it has run out must finish what the killed run began.
        acted = ticker.awaitAction(acted.endMs(), reason -> true, ACT_LIMIT);
        record(tag, acted, faultAt, seen);
      }
    }
    return acted;
  }

  private void record(String tag, Acted acted, long faultAt, Seen seen) {
    seen.decisions.add(decision(acted, faultAt));
    say(tag + ": " + acted.outcome().action() + " at +" + Report.seconds(acted.endMs() - faultAt) + ": "
        + abbreviate(acted.outcome().reason()));
  }

  /**
   * The instance's `stopped` event, as {@link Scenario#CONCURRENT_DELIVERIES} events delivered at
   * the same moment. Each event that met another run's lease is then delivered once more (as a
   * replay would): it must have been forgotten, not dropped as processed, so it runs and finds
   * nothing left to do. Returns the run that completed (else the first delivery's outcome).
   */
  private Acted deliverAtOnce(RunClock clock, String instance, Seen seen) throws Exception {
    int count = Scenario.CONCURRENT_DELIVERIES;
    ExecutorService pool = Executors.newFixedThreadPool(count);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<String> eventIds = new ArrayList<>();
      List<Future<Acted>> firsts = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        String eventId = UUID.randomUUID().toString();
        eventIds.add(eventId);
        firsts.add(pool.submit(() -> {
          go.await();
          return invoke(clock, () -> instanceEvent(instance, "stopped", eventId));
        }));
      }
      go.countDown();
      List<List<Acted>> delivered = new ArrayList<>();
      for (Future<Acted> first : firsts) {
        delivered.add(new ArrayList<>(List.of(first.get(ACT_LIMIT.toMillis(), TimeUnit.MILLISECONDS))));
      }
      for (int i = 0; i < count; i++) {
        List<Acted> event = delivered.get(i);
        if (event.get(0).outcome().action() == Outcome.Action.LEASE_HELD) {
          String eventId = eventIds.get(i);
          event.add(invoke(clock, () -> instanceEvent(instance, "stopped", eventId)));
        }
      }
      seen.deliveries = delivered.stream().map(d -> d.stream().map(a -> a.outcome().action().name()).toList())
          .toList();
      for (int i = 0; i < count; i++) {
        seen.decisions.add("event " + (i + 1) + " of " + count + ", its deliveries: "
            + deliveries(seen.deliveries.get(i)));
        say(seen.decisions.get(seen.decisions.size() - 1));
      }
      return delivered.stream().flatMap(List::stream).filter(a -> a.outcome().action() == Outcome.Action.COMPLETED)
          .findFirst().orElse(delivered.get(0).get(delivered.get(0).size() - 1));
    } finally {
      pool.shutdownNow();
    }
  }

  /** An event's deliveries in a few words: "3 x LEASE_HELD, NO_OP". */
  static String deliveries(List<String> outcomes) {
    List<String> words = new ArrayList<>();
    for (int i = 0; i < outcomes.size(); ) {
      int same = 1;
      while (i + same < outcomes.size() && outcomes.get(i + same).equals(outcomes.get(i))) {
        same++;
      }
      words.add((same > 1 ? same + " x " : "") + outcomes.get(i));
      i += same;
    }
    return String.join(", ", words);
  }

  /**
   * instance-restart: once the fence has stopped the old primary's instance, starts it again as
   * an operator (or EC2 auto-recovery) would and lets it boot; once its boot gate has decided,
   * delivers its `running` event, as EventBridge would within seconds, to rejoin it. The lab's
   * monitor is held meanwhile: ticking every second, it would race the boot gate, which on EC2
   * runs long before the monitor's next minute.
   */
  private void restartOldPrimary(String tag, Lab.Node old, RunClock clock, Ticker ticker, long faultAt, Seen seen)
      throws Exception {
    String state = instances.settled(old.instanceId());
    if (!"stopped".equals(state)) {
      seen.bootGate = "not restarted: its instance was " + state + ", not stopped by the fence";
      return;
    }
    Path bootLog = Path.of(old.bootLog());
    long from = Files.exists(bootLog) ? Files.size(bootLog) : 0;
    ticker.hold(true);
    try {
      lab.must("fault", "start", old.name());
      long deadline = System.nanoTime() + BOOT_LIMIT.toNanos();
      while (seen.bootGate == null && System.nanoTime() < deadline) {
        Thread.sleep(100);
        seen.bootGate = bootDecision(bootLog, from);
      }
      say(tag + ": " + old.name() + "'s instance started again; its boot gate: " + seen.bootGate);
      seen.runningEventMs = clock.nowMs();
      Acted rejoin = invoke(clock, () -> instanceEvent(old.instanceId(), "running", UUID.randomUUID().toString()));
      seen.rejoin = rejoin.outcome().action().name();
      seen.decisions.add(decision(rejoin, faultAt));
      say(tag + ": its running event: " + rejoin.outcome().action() + ", " + abbreviate(rejoin.outcome().reason()));
    } finally {
      ticker.hold(false);
    }
  }

  /** The boot gate's decision among the lines {@code bootLog} gained from byte {@code from} on; null before it decides. */
  static String bootDecision(Path bootLog, long from) throws IOException {
    if (!Files.exists(bootLog) || Files.size(bootLog) <= from) {
      return null;
    }
    String added;
    try (RandomAccessFile file = new RandomAccessFile(bootLog.toFile(), "r")) {
      file.seek(from);
      byte[] bytes = new byte[(int) Math.min(file.length() - from, 1 << 20)];
      file.readFully(bytes);
      added = new String(bytes, StandardCharsets.UTF_8);
    }
    return added.lines().filter(l -> l.contains("stays stopped") || l.contains(" started: ")
        || l.contains("already runs")).findFirst().orElse(null);
  }

  /** An invocation of a handler: its outcome, when it ran on the run's clock, and what invoked it. */
  record Acted(Outcome outcome, long startMs, long endMs, String source) {

    Acted(Outcome outcome, long startMs, long endMs) {
      this(outcome, startMs, endMs, "monitor");
    }

    /**
     * Whether pgpilot decided here: it completed a plan or re-attached a node pgpool had detached;
     * the monitor also when it failed, or refused when refusals count. A report's run that refused
     * (a failure not confirmed yet) or failed (a re-attach of a node pgpool still cannot reach)
     * leaves the decision to the next look.
     */
    boolean decisive(Predicate<String> refusalCounts) {
      Outcome.Action action = outcome.action();
      if (action == Outcome.Action.COMPLETED || action == Outcome.Action.REATTACHED) {
        return true;
      }
      return source.equals("monitor") && action == Outcome.Action.FAILED
          || action == Outcome.Action.REFUSED && refusalCounts.test(outcome.reason());
    }
  }

  /** One decision of pgpilot's for the report: its action, when, and its reason. */
  private static String decision(Acted acted, long faultAt) {
    return acted.outcome().action() + " at +" + Report.seconds(acted.endMs() - faultAt) + ": "
        + acted.outcome().reason();
  }

  private interface Invocation {
    Outcome call() throws Exception;
  }

  private static Acted invoke(RunClock clock, Invocation invocation) throws Exception {
    long start = clock.nowMs();
    Outcome outcome = invocation.call();
    return new Acted(outcome, start, clock.nowMs());
  }

  /**
   * The monitor on its schedule, from before the fault, as EventBridge would call it: one
   * invocation at a time, each started {@code tickMs} after the one before (at once when one ran longer).
   */
  private final class Ticker implements AutoCloseable {
    private final RunClock clock;
    private final List<Acted> ticks = new CopyOnWriteArrayList<>();
    private final Thread thread = new Thread(this::loop, "drill-monitor");
    private volatile boolean running = true;
    private volatile boolean held;
    private volatile boolean ticking;

    Ticker(RunClock clock) {
      this.clock = clock;
    }

    void start() {
      thread.start();
    }

    /** Holds the schedule (from the end of a tick in progress, bounded) or lets it go on. */
    void hold(boolean hold) throws InterruptedException {
      held = hold;
      long deadline = clock.nowMs() + ACT_LIMIT.toMillis();
      while (hold && ticking && clock.nowMs() < deadline) {
        Thread.sleep(10);
      }
    }

    private void loop() {
      while (running) {
        ticking = true;  // before looking at held: hold() waits for a tick that began
        if (held) {
          ticking = false;
          pause(10);
          continue;
        }
        long start = clock.nowMs();
        Outcome outcome;
        try {
          outcome = monitorInvocation(() -> held || !running);
        } catch (RunFailedException e) {
          outcome = e.outcome();
        } catch (RuntimeException e) {
          outcome = new Outcome(Outcome.Action.FAILED, null, null, e.getMessage(), List.of(), Map.of());
        } catch (RunKiller.Killed e) {
          // The invocation ended there, as a killed Lambda's does; the schedule goes on.
          outcome = new Outcome(Outcome.Action.FAILED, null, null, e.getMessage(), List.of(), Map.of());
        }
        ticks.add(new Acted(outcome, start, clock.nowMs()));
        ticking = false;
        long next = start + options.tickMs();
        while (running && clock.nowMs() < next) {
          pause(10);
        }
      }
    }

    /**
     * The first tick that ended after {@code faultAt} and did more than observe, within
     * {@code limit}; a tick that says the monitor did not act when none did. A refusal counts only
     * when {@code refusalCounts}: otherwise this waits for the tick that acts once the cause of a
     * refusal is gone. Each tick's outcome is printed once, when it differs from the one printed before.
     */
    Acted awaitAction(long faultAt, Predicate<String> refusalCounts, Duration limit) throws InterruptedException {
      long deadline = clock.nowMs() + limit.toMillis();
      String seen = null;
      int printed = 0;
      while (clock.nowMs() < deadline) {
        for (int i = 0; i < ticks.size(); i++) {
          Acted t = ticks.get(i);
          Outcome.Action action = t.outcome().action();
          if (t.endMs() > faultAt && t.decisive(refusalCounts)) {
            return t;
          }
          if (i >= printed && t.endMs() > faultAt) {
            printed = i + 1;
            if (!t.outcome().reason().equals(seen)) {
              seen = t.outcome().reason();
              say(t.source() + " at +" + Report.seconds(t.endMs() - faultAt) + ": " + action + ", "
                  + abbreviate(seen));
            }
          }
        }
        Thread.sleep(20);
      }
      return new Acted(new Outcome(Outcome.Action.OBSERVED, null, null, "the monitor did not act within "
          + limit.toSeconds() + " s of the fault", List.of(), Map.of()), faultAt, clock.nowMs());
    }

    /** What another trigger (pgpool's report) did, among the monitor's invocations. */
    void record(Acted acted) {
      ticks.add(acted);
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join(ACT_LIMIT.toMillis());
    }
  }

  /**
   * pgpool's reports as EventBridge delivers them to the PgpoolSensor function (the lab's stand-in:
   * the deployed rule's pattern to a queue, {@link PgpoolReports}), each handed to the handler as it
   * comes, beside the monitor's schedule.
   */
  private final class SensorFeed implements AutoCloseable {
    private final PgpoolReports reports;
    private final Ticker ticker;
    private final RunClock clock;
    private final Thread thread = new Thread(this::loop, "drill-pgpool-reports");
    private volatile boolean running = true;

    SensorFeed(Ticker ticker, RunClock clock) {
      this.reports = new PgpoolReports(env, router);
      this.ticker = ticker;
      this.clock = clock;
      reports.discard();  // those of the runs before
      thread.start();
    }

    private void loop() {
      while (running) {
        long start = clock.nowMs();
        try {
          for (PgpoolReports.Delivered delivered : reports.deliver(Duration.ofMillis(250),
              options.latency().toHandler())) {
            ticker.record(new Acted(delivered.outcome(), start, clock.nowMs(), "pgpool report"));
          }
        } catch (InterruptedException e) {
          return;
        } catch (RuntimeException | RunKiller.Killed e) {
          ticker.record(new Acted(new Outcome(Outcome.Action.FAILED, null, null, "pgpool report: "
              + e.getMessage(), List.of(), Map.of()), start, clock.nowMs(), "pgpool report"));
        }
      }
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join(ACT_LIMIT.toMillis());
      reports.close();
    }
  }

  /**
   * The automation's phases on the run's clock, laid out back from the end of the acting
   * invocation; detection runs from the fault (what came before the workflow was the schedule's
   * wait and the monitor's probes) to the end of the workflow's own.
   */
  private static List<Chart.Mark> phaseSpans(Acted acted, long faultAt) {
    List<Chart.Mark> spans = new ArrayList<>();
    Map<String, Long> phases = acted.outcome().phaseMillis();
    Long total = phases.get("total");
    if (total != null) {
      long at = acted.endMs() - total;
      for (Map.Entry<String, Long> phase : phases.entrySet()) {
        if (phase.getKey().equals("total")) {
          continue;
        }
        long start = phase.getKey().equals("detection") ? Math.min(faultAt, at) : at;
        spans.add(new Chart.Mark(phase.getKey(), start, at + phase.getValue()));
        at += phase.getValue();
      }
    }
    return spans;
  }

  private static Map<String, Long> phases(Acted acted, long faultAt) {
    Map<String, Long> phases = new LinkedHashMap<>();
    phaseSpans(acted, faultAt).forEach(span -> phases.put(span.name(), span.endMs() - span.startMs()));
    Long total = acted.outcome().phaseMillis().get("total");
    if (total != null) {
      phases.put("total", total);  // the workflow's own, from its lease to its end
    }
    return phases;
  }

  private static List<Chart.Mark> marks(Acted acted, long faultAt, Long rto) {
    List<Chart.Mark> marks = new ArrayList<>(phaseSpans(acted, faultAt));
    marks.addAll(rtoMark(faultAt, rto));
    return marks;
  }

  private static List<Chart.Mark> rtoMark(long faultAt, Long rto) {
    return rto == null || rto == 0 ? List.of() : List.of(new Chart.Mark("writes again", faultAt + rto, faultAt + rto));
  }

  /**
   * Puts the failed node back as an operator would: its instance started again (the crash or the
   * fence stopped it), whose running event lets the automation rejoin it as a standby, unless the
   * run did that already; then the schedule's next tick.
   */
  private void restore(Scenario scenario, String tag, String target, RunClock clock, Seen seen) throws Exception {
    if (!scenario.restoresInstance()) {
      return;  // a switchover rejoined the old primary itself; a cut probe path stopped nothing
    }
    if (seen.runningEventMs == null) {
      String instance = lab.status().node(target).instanceId();
      // The fence's stop takes its time, as EC2's does; an instance is started once it has stopped.
      String state = instances.settled(instance);
      if ("stopped".equals(state)) {
        instances.start(instance);
        instances.settled(instance);
      }
      seen.runningEventMs = clock.nowMs();
      Outcome rejoin = instanceEvent(instance, "running", UUID.randomUUID().toString());
      say(tag + ": " + target + "'s instance runs (was " + state + "): " + rejoin.action() + ", "
          + abbreviate(rejoin.reason()));
    }
    // The schedule's next tick, which returns standbys to their configured upstreams.
    Outcome tick = monitorLook();
    say(tag + ": monitor: " + tick.action() + ", " + abbreviate(tick.reason()));
  }

  /** Whether the history records a run cut off (its lease ran out unreleased) since {@code since}. */
  private boolean cutOffRecorded(Instant since) {
    ClusterConfig config = config(Scenario.KILLED_MIDWAY);
    return new DynamoDbHistoryLog(config.stateTable()).recent(config.cluster(), 20).stream()
        .anyMatch(e -> e.outcome().equals("cut off") && !e.startedAt().isBefore(since));
  }

  /** Whether the automation logged an alert naming {@code instanceId} after byte {@code from} of its log. */
  private boolean alerted(long from, String instanceId) throws IOException {
    try (Stream<String> lines = Files.lines(automationLogFile)) {
      long[] at = {0};
      return lines.anyMatch(line -> {
        boolean after = at[0] >= from;
        at[0] += line.getBytes(StandardCharsets.UTF_8).length + 1;
        return after && line.contains("\"event\":\"alert\"") && line.contains(instanceId);
      });
    }
  }

  /** One look of the monitor's, outside its schedule: the drill's own, to see the cluster settled. */
  private Outcome monitorLook() {
    return router.monitor("drill-" + UUID.randomUUID());
  }

  /**
   * The schedule's invocation of the Monitor function: it keeps looking (its sentinel) until it acts
   * or its time is up; {@code cutShort} ends that time early, as only the lab can.
   */
  private Outcome monitorInvocation(BooleanSupplier cutShort) {
    ScheduledEvent tick = LambdaEventSerializers.serializerFor(ScheduledEvent.class, Drill.class.getClassLoader())
        .fromJson(scheduledEvent());
    return new MonitorHandler(router).handleRequest(tick, new LocalContext(MonitorHandler.class.getName(), cutShort));
  }

  /** Null when one node is primary, every other streams on its timeline and a write through pgpool commits. */
  private String awaitWhole(String pgpool) throws InterruptedException {
    long deadline = System.nanoTime() + WHOLE_LIMIT.toNanos();
    String problem = "not checked";
    while (System.nanoTime() < deadline) {
      problem = wholeProblem(pgpool);
      if (problem == null) {
        return null;
      }
      Thread.sleep(250);
    }
    return problem;
  }

  private String wholeProblem(String pgpool) {
    Lab.Status status = lab.status();
    List<Lab.Node> primaries = status.nodes().stream().filter(n -> "primary".equals(n.role())).toList();
    if (primaries.size() != 1) {
      return primaries.size() + " primaries: " + Scenario.describe(status.nodes());
    }
    Lab.Node primary = primaries.get(0);
    for (Lab.Node node : status.nodes()) {
      if (node != primary && !("standby".equals(node.role()) && "streaming".equals(node.state())
          && primary.timeline().equals(node.timeline()))) {
        return node.name() + " is not streaming on timeline " + primary.timeline() + ": "
            + Scenario.describe(status.nodes());
      }
    }
    try (Connection c = lab.connect(pgpool)) {
      c.createStatement().execute("INSERT INTO drill_commits (run, seq) VALUES (0, (extract(epoch FROM"
          + " clock_timestamp()) * 1000000)::bigint) ON CONFLICT DO NOTHING");
    } catch (SQLException e) {
      return "a write through pgpool fails: " + e.getMessage();
    }
    return null;
  }

  /**
   * The EventBridge event of {@code instanceId} going to {@code state}, with id {@code eventId} (a
   * redelivery has the same); the outcome, also of a run that failed, which the handler throws so
   * that Lambda delivers the event again.
   */
  private Outcome instanceEvent(String instanceId, String state, String eventId) {
    String json = """
        {"version": "0", "id": "%s", "detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
         "account": "123456789012", "time": "%s", "region": "%s",
         "resources": ["arn:aws:ec2:%s:123456789012:instance/%s"],
         "detail": {"instance-id": "%s", "state": "%s"}}
        """.formatted(eventId, Instant.now().toString().replaceAll("\\.\\d+Z$", "Z"), region(), region(),
        instanceId, instanceId, state);
    ScheduledEvent event = LambdaEventSerializers.serializerFor(ScheduledEvent.class, Drill.class.getClassLoader())
        .fromJson(json);
    pause(options.latency().toHandler().toMillis());
    try {
      return new InstanceStateHandler(router).handleRequest(event,
          new LocalContext(InstanceStateHandler.class.getName()));
    } catch (RunFailedException e) {
      return e.outcome();
    }
  }

  private String scheduledEvent() {
    return """
        {"version": "0", "id": "%s", "detail-type": "Scheduled Event", "source": "aws.events",
         "account": "123456789012", "time": "%s", "region": "%s",
         "resources": ["arn:aws:events:%s:123456789012:rule/pgpilot-lab-monitor"], "detail": {}}
        """.formatted(UUID.randomUUID(), Instant.now().toString().replaceAll("\\.\\d+Z$", "Z"), region(), region());
  }

  private String region() {
    return env.getOrDefault("AWS_REGION", "us-east-1");
  }

  /** A fresh lab: new clusters, a fresh emulator (so the documents again), the drill's table. */
  private void recreateLab(URI emulator, String pgpool) throws SQLException {
    lab.recreate();
    prepareLab(emulator, pgpool);
  }

  /**
   * What a lab needs before pgpilot runs on it: the documents, the drill's table, an automation
   * for its passwords and instances, and one monitor tick so the cluster is as pgpilot wants it
   * (e.g. asynchronous with --async).
   */
  private void prepareLab(URI emulator, String pgpool) throws SQLException {
    deployDocuments(emulator);
    Workload.prepare(lab, pgpool);
    router = router(current);
    Outcome tick = monitorLook();
    say("monitor: " + tick.action() + ", " + abbreviate(tick.reason()));
  }

  private void deployDocuments(URI emulator) {
    try (Emulator deployTo = new Emulator(emulator)) {
      DocumentDeployer.deploy(deployTo.ssm(region()), options.documents(), ClusterConfig.from(env).names());
    }
  }

  private int nextRunNumber(String pgpool) throws SQLException {
    try (Connection c = lab.connect(pgpool);
        ResultSet rs = c.createStatement().executeQuery("SELECT coalesce(max(run), 0) + 1 FROM drill_commits")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static Integer timelineOf(Lab.Status status) {
    String primary = primaryOf(status);
    return primary == null ? null : status.node(primary).timeline();
  }

  private static String primaryOf(Lab.Status status) {
    return status.nodes().stream().filter(n -> "primary".equals(n.role())).map(Lab.Node::name).findFirst()
        .orElse(null);
  }

  private static String abbreviate(String text) {
    return text == null || text.length() <= 220 ? text : text.substring(0, 217) + "...";
  }

  private void say(String line) {
    out.printf("[%6.1fs] %s%n", (System.nanoTime() - started) / 1e9, line);
  }

  private static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

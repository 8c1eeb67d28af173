package io.pgpilot.lab.drill;

import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import io.pgpilot.config.ClusterConfig;
import io.pgpilot.handlers.EventRouter;
import io.pgpilot.handlers.InstanceStateHandler;
import io.pgpilot.handlers.MonitorHandler;
import io.pgpilot.handlers.SwitchoverHandler;
import io.pgpilot.lab.Lab;
import io.pgpilot.lab.invoke.LocalContext;
import io.pgpilot.lab.ssm.DocumentDeployer;
import io.pgpilot.lab.ssm.Emulator;
import io.pgpilot.lab.ssm.LabSsmService;
import io.pgpilot.runner.Outcome;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.logging.StreamHandler;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * The failover drill: a writer and a reader through pgpool, a fault, and the real automation
 * acting on the lab (handlers, workflow, SSM documents run on the lab hosts by the lab SSM
 * service, the emulator for every other AWS API). Measures RTO, lost commits, the read outage
 * and each phase, per run; puts the cluster back together after every run.
 * <pre>
 *   Drill [--scenario NAME] [--runs N] [--json FILE] [--tick-ms MS] [--documents DIR]
 * </pre>
 * Exit status 0 when every run was correct (no acknowledged commit lost, writes came back, the
 * cluster whole afterwards), 1 otherwise, 2 for bad arguments.
 */
public final class Drill {

  private static final String USAGE = "usage: drill [--scenario NAME] [--runs N] [--async] [--compare] [--json FILE]"
      + " [--tick-ms MS]\n"
      + "  scenarios: " + Scenario.ids() + " (default primary-crash)\n"
      + "  --runs N      runs, 1 to 100 (default 3)\n"
      + "  --async       asynchronous replication (PGPILOT_REPLICATION_MODE=asynchronous)\n"
      + "  --compare     the same runs with pgpool-II's failover_command and with Patroni (default and tuned)\n"
      + "  --json FILE   the report (default target/drill/drill-SCENARIO.json; the chart beside it, .png)\n"
      + "  --tick-ms MS  the monitor's schedule in the lab, 200 to 60000 (default 1000; EventBridge's is a minute)";
  private static final Duration ACT_LIMIT = Duration.ofSeconds(90);
  private static final Duration RECOVERY_LIMIT = Duration.ofSeconds(90);
  private static final Duration WHOLE_LIMIT = Duration.ofSeconds(120);
  /** Longer than the lab's stopping and pending times (lab/instance_lifecycle.py). */
  private static final Duration SETTLE_LIMIT = Duration.ofSeconds(180);
  private static final long WARM_UP_MS = 2_000;
  private static final long TAIL_MS = 2_000;
  static final String PGPILOT = "pgpilot";
  /** The lab's HA modes the comparison runs, pgpilot first: the ratios are to it. */
  static final List<String> CONTENDERS = List.of(PGPILOT, "pgpool", "patroni", "patroni-tuned");
  static final Map<String, String> CONTENDER_NOTES = Map.of(
      PGPILOT, "the Lambda handlers and SSM documents; crash detection by the monitor's schedule",
      "pgpool", "pgpool-II 4.3 failover_command and follow_primary_command, health check every 1 s",
      "patroni", "Patroni 3.0 and etcd 3.4, Patroni's defaults: ttl 30, loop_wait 10, retry_timeout 10",
      "patroni-tuned", "Patroni 3.0 and etcd 3.4, ttl 10, loop_wait 1, retry_timeout 4");

  /** What the command line asked for. */
  record Options(Scenario scenario, int runs, Path json, long tickMs, Path documents, boolean async,
      boolean compare) {

    static Options parse(String[] args) {
      Scenario scenario = Scenario.PRIMARY_CRASH;
      int runs = 3;
      Path json = null;
      long tickMs = 1000;
      Path documents = Path.of("ssm-documents");
      boolean async = false;
      boolean compare = false;
      for (int i = 0; i < args.length; i++) {
        String value = i + 1 < args.length ? args[i + 1] : null;
        switch (args[i]) {
          case "--scenario" -> scenario = Scenario.parse(need(args[i], value));
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
          default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
        }
        i++;
      }
      if (compare && scenario != Scenario.PRIMARY_CRASH && scenario != Scenario.PRIMARY_STOP) {
        throw new IllegalArgumentException("--compare is for primary-crash and primary-stop: the others are pgpilot's"
            + " own (pgpool and Patroni do not re-point a cascade or switch over by themselves)");
      }
      if (compare && async) {
        throw new IllegalArgumentException("--compare runs every contender synchronous, as the lab is; drop --async");
      }
      if (json == null) {
        json = Path.of("target", "drill", "drill-" + scenario.id + ".json");
      }
      return new Options(scenario, runs, json, tickMs, documents, async, compare);
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

    Path chart() {
      String name = json.getFileName().toString();
      return json.resolveSibling((name.endsWith(".json") ? name.substring(0, name.length() - 5) : name) + ".png");
    }
  }

  private final Options options;
  private final Lab lab;
  /** Built again after a lab is recreated: a new lab has new passwords and instances. */
  private final Supplier<EventRouter> routers;
  private volatile EventRouter router;
  private final Ec2Client ec2;
  private final Map<String, String> env;
  private final PrintStream out;
  private final long started = System.nanoTime();

  Drill(Options options, Lab lab, Supplier<EventRouter> routers, Ec2Client ec2, Map<String, String> env,
      PrintStream out) {
    this.options = options;
    this.env = Map.copyOf(env);
    this.lab = lab;
    this.routers = routers;
    this.router = routers.get();
    this.ec2 = ec2;
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
    Path log = options.json().toAbsolutePath().resolveSibling("drill-" + options.scenario().id + "-automation.log");
    Files.createDirectories(log.getParent());
    Logger labLogger = Logger.getLogger("io.pgpilot");
    try (LabSsmService ssm = new LabSsmService(0, emulator);
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
        Drill drill = new Drill(options, lab, () -> EventRouter.from(ClusterConfig.from(functionEnv), automationLog),
            ec2, functionEnv, out);
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

  /** Every run (of every contender), then the tables, the JSON report and the chart; true when pgpilot's runs were correct. */
  boolean run(URI emulator) throws Exception {
    String pgpool = lab.status().pgpool().dsn();  // the same after a recreate: pgpool1's address
    prepareLab(emulator, pgpool);
    List<RunResult> results = new ArrayList<>();
    List<Chart.Series> series = new ArrayList<>();
    Map<String, Report> byContender = new LinkedHashMap<>();
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
        RunResult result = runOnce(ha, nextRunNumber(pgpool), i + 1, pgpool, series, emulator);
        mine.add(result);
        if (Boolean.FALSE.equals(result.whole())) {
          say("run " + (i + 1) + ": the cluster is not whole (" + result.wholeDetail() + "): recreating the lab");
          recreateLab(emulator, pgpool);
        }
      }
      results.addAll(mine);
      byContender.put(ha, new Report(options.scenario().id, Map.of(), mine));
    }
    if (options.compare()) {
      say("the lab goes back to pgpilot's HA");
      lab.must("down");
      lab.must("up");
      prepareLab(emulator, pgpool);
    }
    Report report = new Report(options.scenario().id, settings(), results);
    out.println();
    report.printTable(out, !options.compare());
    if (options.compare()) {
      out.println();
      Report.printComparison(byContender, CONTENDER_NOTES, out);
    }
    report.writeJson(options.json(), byContender.get(PGPILOT).summary(),
        options.compare() ? Report.comparison(byContender, CONTENDER_NOTES) : null);
    say("report: " + options.json().toAbsolutePath());
    Chart.write("pgpilot drill: " + options.scenario().id + ", commits and reads per second through pgpool",
        series, options.chart());
    say("chart: " + options.chart().toAbsolutePath());
    return byContender.get(PGPILOT).runs().stream().allMatch(RunResult::correct);
  }

  private Map<String, Object> settings() {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("scenario", options.scenario().id);
    settings.put("monitorTickMs", options.tickMs());
    settings.put("probeIntervalMs", env.getOrDefault("PGPILOT_PROBE_INTERVAL_MS", "500"));
    settings.put("confirmationProbes", env.getOrDefault("PGPILOT_CONFIRMATION_PROBES", "3"));
    settings.put("replication", options.async() ? "asynchronous (PGPILOT_REPLICATION_MODE=asynchronous)"
        : "synchronous (FIRST 1 of the standbys streaming from the primary)");
    settings.put("cores", Runtime.getRuntime().availableProcessors());
    settings.put("at", Instant.now().toString());
    return settings;
  }

  private RunResult runOnce(String ha, int runId, int number, String pgpool, List<Chart.Series> series, URI emulator)
      throws Exception {
    boolean pgpilot = ha.equals(PGPILOT);
    String tag = (pgpilot ? "" : ha + " ") + "run " + number + "/" + options.runs();
    Lab.Status before = lab.status();
    String target;
    try {
      target = options.scenario().target(before);
    } catch (IllegalStateException e) {
      // E.g. no cascade left after a failover: the lab's first shape has every scenario's node.
      say(tag + ": " + e.getMessage() + "; recreating the lab in its first shape");
      recreateLab(emulator, pgpool);
      before = lab.status();
      target = options.scenario().target(before);
    }
    Lab.Status shape = before;
    String primaryBefore = primaryOf(before);
    say(tag + ": " + Scenario.describe(before.nodes()));
    RunClock clock = new RunClock();
    Ticker ticker = pgpilot && options.scenario().trigger == Scenario.Trigger.MONITOR ? new Ticker(clock) : null;
    Acted acted = null;
    List<String> decisions = new ArrayList<>();
    boolean healed = true;
    long faultAt;
    Workload workload = new Workload(lab, pgpool, runId, clock);
    try {
      workload.start();
      if (ticker != null) {
        ticker.start();
      }
      Thread.sleep(WARM_UP_MS);
      say(tag + ": writing through pgpool, " + workload.commits().size() + " commits in " + WARM_UP_MS / 1000
          + " s; fault: " + options.scenario().id + " of " + target);
      healed = !options.scenario().partitions();
      options.scenario().inject(lab, target, shape);
      faultAt = clock.nowMs();
      if (pgpilot) {
        acted = act(clock, ticker, before.node(target).instanceId(), target, faultAt);
        decisions.add(decision(acted, faultAt));
        say(tag + ": " + acted.outcome().action() + " at +" + Report.seconds(acted.endMs() - faultAt) + ": "
            + abbreviate(acted.outcome().reason()));
      }
      if (!healed) {
        Scenario.heal(lab, shape);
        healed = true;
        long healedAt = clock.nowMs();
        say(tag + ": partitions healed at +" + Report.seconds(healedAt - faultAt));
        if (acted != null && acted.outcome().action() == Outcome.Action.REFUSED) {
          acted = ticker.awaitAction(healedAt, false);
          decisions.add(decision(acted, faultAt));
          say(tag + ": " + acted.outcome().action() + " at +" + Report.seconds(acted.endMs() - faultAt) + ": "
              + abbreviate(acted.outcome().reason()));
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
      Thread.sleep(TAIL_MS);
    } finally {
      if (!healed) {
        Scenario.heal(lab, shape);
      }
      if (ticker != null) {
        ticker.close();
      }
      workload.close();
    }
    long duration = clock.nowMs();
    String primaryAfter = primaryOf(lab.status());
    List<Long> missing = primaryAfter == null ? null : workload.missingOn(primaryAfter);
    Long rto = workload.rtoMs(faultAt);
    say(tag + ": " + workload.commits().size() + " commits acknowledged, " + (missing == null
        ? "no primary to count them on" : missing.size() + " missing on " + primaryAfter
        + (missing.isEmpty() ? "" : " (" + missing.subList(0, Math.min(10, missing.size())) + ")")));

    Boolean whole = null;
    String problem = null;
    long restoreMs = 0;
    if (pgpilot) {
      long restoreStart = System.nanoTime();
      restore(tag, target);
      problem = awaitWhole(pgpool);
      whole = problem == null;
      restoreMs = (System.nanoTime() - restoreStart) / 1_000_000;
      say(tag + ": " + (whole ? "whole again in " + Report.seconds(restoreMs) + ": "
          + Scenario.describe(lab.status().nodes()) : "NOT whole after " + Report.seconds(restoreMs) + ": " + problem));
    }

    String label = (pgpilot ? "pgpilot " : "") + tag + ": " + target + " " + options.scenario().id + ", RTO "
        + Report.seconds(rto) + ", " + (missing == null ? "?" : missing.size()) + " lost";
    series.add(new Chart.Series(label, duration, faultAt,
        workload.commits().stream().map(Workload.Commit::ackMs).toList(), workload.reads(),
        acted == null ? rtoMark(faultAt, rto) : marks(acted, faultAt, rto)));
    String ranking = decisions.stream().map(d -> Ranking.problem(d, shape)).filter(p -> p != null)
        .findFirst().orElse(null);
    if (ranking != null) {
      say(tag + ": candidate ranking: " + ranking);
    }
    return new RunResult(ha, number, options.scenario().id, target, primaryBefore, primaryAfter,
        acted == null ? null : acted.outcome().action().name(), acted == null ? null : acted.outcome().reason(),
        decisions, ranking, rto,
        workload.commits().size(), missing == null ? null : missing.size(),
        missing == null ? List.of() : missing.subList(0, Math.min(20, missing.size())),
        workload.longestReadGapAfter(faultAt), workload.writeErrors(),
        acted == null ? Map.of() : phases(acted, faultAt), restoreMs, whole, problem);
  }

  /** What tells pgpilot: the monitor's schedule, the instance's state-change event, or the switchover request. */
  private Acted act(RunClock clock, Ticker ticker, String instance, String target, long faultAt) throws Exception {
    Map<String, Object> request = Map.of("target", target);
    return switch (options.scenario().trigger) {
      case MONITOR -> ticker.awaitAction(faultAt, true);
      case INSTANCE_EVENT -> invoke(clock, () -> instanceEvent(instance, "stopped"));
      case SWITCHOVER -> invoke(clock, () -> new SwitchoverHandler(router)
          .handleRequest(request, new LocalContext(SwitchoverHandler.class.getName())));
    };
  }

  /** An invocation of a handler: its outcome and when it ran on the run's clock. */
  record Acted(Outcome outcome, long startMs, long endMs) {}

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

    Ticker(RunClock clock) {
      this.clock = clock;
    }

    void start() {
      thread.start();
    }

    private void loop() {
      while (running) {
        long start = clock.nowMs();
        Outcome outcome;
        try {
          outcome = monitorTick();
        } catch (RuntimeException e) {
          outcome = new Outcome(Outcome.Action.FAILED, null, null, e.getMessage(), List.of(), Map.of());
        }
        ticks.add(new Acted(outcome, start, clock.nowMs()));
        long next = start + options.tickMs();
        while (running && clock.nowMs() < next) {
          pause(10);
        }
      }
    }

    /**
     * The first tick that ended after {@code faultAt} and did more than observe; bounded. A
     * refusal counts only when {@code refusalCounts}: otherwise this waits for the tick that acts
     * once the cause of a refusal is gone. Each tick's outcome is printed once, when it differs
     * from the one printed before.
     */
    Acted awaitAction(long faultAt, boolean refusalCounts) throws InterruptedException {
      long deadline = clock.nowMs() + ACT_LIMIT.toMillis();
      String seen = null;
      int printed = 0;
      while (clock.nowMs() < deadline) {
        for (int i = 0; i < ticks.size(); i++) {
          Acted t = ticks.get(i);
          Outcome.Action action = t.outcome().action();
          if (t.endMs() > faultAt && action != Outcome.Action.OBSERVED && action != Outcome.Action.LEASE_HELD
              && (refusalCounts || action != Outcome.Action.REFUSED)) {
            return t;
          }
          if (i >= printed && t.endMs() > faultAt) {
            printed = i + 1;
            if (!t.outcome().reason().equals(seen)) {
              seen = t.outcome().reason();
              say("monitor at +" + Report.seconds(t.endMs() - faultAt) + ": " + action + ", " + abbreviate(seen));
            }
          }
        }
        Thread.sleep(20);
      }
      return new Acted(new Outcome(Outcome.Action.OBSERVED, null, null, "the monitor did not act within "
          + ACT_LIMIT.toSeconds() + " s of the fault", List.of(), Map.of()), faultAt, clock.nowMs());
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join(ACT_LIMIT.toMillis());
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
   * fence stopped it), whose running event lets the automation rejoin it as a standby.
   */
  private void restore(String tag, String target) throws Exception {
    if (options.scenario() == Scenario.SWITCHOVER) {
      return;  // the switchover rejoined the old primary itself
    }
    String instance = lab.status().node(target).instanceId();
    // The fence's stop takes its time, as EC2's does; an instance is started once it has stopped.
    String state = settled(instance);
    if ("stopped".equals(state)) {
      ec2.startInstances(r -> r.instanceIds(instance));
      settled(instance);
    }
    Outcome rejoin = instanceEvent(instance, "running");
    say(tag + ": " + target + "'s instance runs again (was " + state + "): " + rejoin.action() + ", "
        + abbreviate(rejoin.reason()));
    // The schedule's next tick, which returns standbys to their configured upstreams.
    Outcome tick = monitorTick();
    say(tag + ": monitor: " + tick.action() + ", " + abbreviate(tick.reason()));
  }

  /** The instance's state once it is no longer pending or stopping (bounded by the lab's timings). */
  private String settled(String instance) throws InterruptedException {
    long deadline = System.nanoTime() + SETTLE_LIMIT.toNanos();
    while (true) {
      String state = ec2.describeInstances(r -> r.instanceIds(instance)).reservations().get(0).instances().get(0)
          .state().nameAsString();
      if (!"pending".equals(state) && !"stopping".equals(state)) {
        return state;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("instance " + instance + " still " + state + " after " + SETTLE_LIMIT);
      }
      Thread.sleep(250);
    }
  }

  private Outcome monitorTick() {
    ScheduledEvent tick = LambdaEventSerializers.serializerFor(ScheduledEvent.class, Drill.class.getClassLoader())
        .fromJson(scheduledEvent());
    return new MonitorHandler(router).handleRequest(tick, new LocalContext(MonitorHandler.class.getName()));
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

  private Outcome instanceEvent(String instanceId, String state) {
    String json = """
        {"version": "0", "id": "%s", "detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
         "account": "123456789012", "time": "%s", "region": "%s",
         "resources": ["arn:aws:ec2:%s:123456789012:instance/%s"],
         "detail": {"instance-id": "%s", "state": "%s"}}
        """.formatted(UUID.randomUUID(), Instant.now().toString().replaceAll("\\.\\d+Z$", "Z"), region(), region(),
        instanceId, instanceId, state);
    ScheduledEvent event = LambdaEventSerializers.serializerFor(ScheduledEvent.class, Drill.class.getClassLoader())
        .fromJson(json);
    return new InstanceStateHandler(router).handleRequest(event,
        new LocalContext(InstanceStateHandler.class.getName()));
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
    router = routers.get();
    Outcome tick = monitorTick();
    say("monitor: " + tick.action() + ", " + abbreviate(tick.reason()));
  }

  private void deployDocuments(URI emulator) {
    try (Emulator deployTo = new Emulator(emulator)) {
      DocumentDeployer.deploy(deployTo.ssm(region()), options.documents());
    }
  }

  private int nextRunNumber(String pgpool) throws SQLException {
    try (Connection c = lab.connect(pgpool);
        ResultSet rs = c.createStatement().executeQuery("SELECT coalesce(max(run), 0) + 1 FROM drill_commits")) {
      rs.next();
      return rs.getInt(1);
    }
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

package io.pgpilot.lab.bench;

import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgpilot.lab.invoke.LocalContext;
import io.pgpilot.lab.invoke.LocalInvoke;
import io.pgpilot.lab.ssm.LabSsmService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The handlers' cold start: for each handler, N fresh JVMs (java from PATH) whose classpath is only
 * the Lambda artifact, the runtime's serializers (aws-lambda-java-serialization) and the harness
 * ({@link ColdStartChild}, {@link LocalContext}), each timed from its start to the handler built
 * (init) and on to its first event handled, against the lab and its emulator. It prints a table,
 * then one JSON line per handler and set of JVM flags for later runs to compare with. Figures are
 * printed, never asserted on.
 *
 * <p>The events exercise the real init and a cheap first call: an EC2 state change of an instance
 * that does not exist (two DescribeInstances, IGNORED), an alarm that went to OK (IGNORED with no
 * AWS call), the monitor's schedule (a real observation of the lab: EC2, Secrets Manager, JDBC
 * probe rounds with their pauses, CloudWatch), and a switchover to a node that does not exist
 * (the lease, an observation, REFUSED: a refusal is recorded in the history and notified), and a
 * backup of a type there is not (IGNORED with no AWS call: a real one would copy the database). The
 * monitor acts on what it sees, so each monitor run waits for a lab that is whole and is skipped
 * when it is not. The environment is the lab's (`lab/lab.sh env`, set by `./pgpilot bench`), and
 * SSM goes to a lab SSM service as with `./pgpilot invoke`, though none of these events sends a
 * command.
 * <pre>
 *   ColdStart [--runs N] [--handler NAME] [--lambda-flags-only]
 *             [--artifact JAR] [--events DIR] [--lab LAB_SH]
 * </pre>
 */
public final class ColdStart {

  /** Roughly what the Lambda java17/java21 runtimes start the JVM with: C1 only, the serial collector, CDS. */
  static final List<String> LAMBDA_FLAGS = List.of("-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1",
      "-XX:+UseSerialGC", "-Xshare:auto", "-Djava.net.preferIPv4Stack=true");
  /** The same without the C1-only limit: C2 compiles too. */
  static final List<String> FULL_TIERED_FLAGS = List.of("-XX:+TieredCompilation", "-XX:+UseSerialGC",
      "-Xshare:auto", "-Djava.net.preferIPv4Stack=true");

  private static final String USAGE = "usage: bench cold-start [--runs N] [--handler NAME] [--lambda-flags-only]\n"
      + "                        [--artifact JAR] [--events DIR] [--lab LAB_SH]\n  handlers: "
      + String.join(" ", LocalInvoke.FUNCTIONS.keySet());
  private static final String UNKNOWN_INSTANCE = "i-0000000000000dead";
  private static final String UNKNOWN_NODE = "no-such-node";
  private static final long CHILD_TIMEOUT_SECONDS = 120;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Options options;
  private final Path work;
  private final List<String> classpath;
  private final String ssmEndpoint;

  private ColdStart(Options options, Path work, List<String> classpath, String ssmEndpoint) {
    this.options = options;
    this.work = work;
    this.classpath = classpath;
    this.ssmEndpoint = ssmEndpoint;
  }

  public static void main(String[] args) throws Exception {
    Options options = Options.parse(args);
    if (!Files.isRegularFile(options.artifact)) {
      exit(2, "no Lambda artifact at " + options.artifact + " (mvn -pl functions package builds it)");
    }
    if (!Files.isDirectory(options.events)) {
      exit(2, "no event samples in " + options.events);
    }
    Path work = Files.createTempDirectory("pgpilot-bench");
    try (LabSsmService ssm = new LabSsmService(0, URI.create(System.getenv().getOrDefault("AWS_ENDPOINT_URL",
        "http://127.0.0.1:45660")))) {
      Path harness = copyHarness(work.resolve("harness"));
      List<String> classpath = List.of(harness.toString(), options.artifact.toString(),
          codeSource(LambdaEventSerializers.class).toString());
      new ColdStart(options, work, classpath, ssm.start().toString()).run();
    } finally {
      deleteTree(work);
    }
    System.exit(0);  // the lab SSM service's threads must not keep a finished benchmark alive
  }

  private void run() throws IOException, InterruptedException {
    Artifact artifact = Artifact.of(options.artifact);
    Map<String, Path> events = writeEvents();
    List<Flags> flagSets = new ArrayList<>(List.of(new Flags("lambda", LAMBDA_FLAGS)));
    if (!options.lambdaFlagsOnly) {
      flagSets.add(new Flags("full-tiered", FULL_TIERED_FLAGS));
    }
    String header = String.format(Locale.ROOT, "pgpilot cold start, %s: %d run%s per handler and JVM flags, %d vCPU,"
            + " java %s, load average %s at the start", LocalDate.now(), options.runs, options.runs == 1 ? "" : "s",
        Runtime.getRuntime().availableProcessors(), Runtime.version(), loadAverage());
    System.err.println(header);

    List<Result> results = new ArrayList<>();
    for (Flags flags : flagSets) {
      Map<String, Result> byHandler = new LinkedHashMap<>();
      for (String handler : options.handlers) {
        // One untimed run first: it warms the page cache and counts the classes the first event loads.
        Run counted = runChild(flags, handler, events.get(handler), true);
        byHandler.put(handler, new Result(handler, flags, counted));
        report(flags, handler, "class count", counted);
      }
      // Round-robin over the handlers, so that a passing disturbance spreads over all of them.
      for (int i = 1; i <= options.runs; i++) {
        for (String handler : options.handlers) {
          Run run = runChild(flags, handler, events.get(handler), false);
          byHandler.get(handler).runs.add(run);
          report(flags, handler, "run " + i + "/" + options.runs, run);
        }
      }
      results.addAll(byHandler.values());
    }
    printTable(header + ", " + loadAverage() + " at the end", artifact, flagSets, results);
    for (Result result : results) {
      System.out.println(JSON.writeValueAsString(result.json(artifact)));
    }
  }

  // ------------------------------------------------------------------------------ one JVM

  /** One cold start in a fresh JVM; with {@code countClasses} its class loading is logged and counted. */
  private Run runChild(Flags flags, String handler, Path event, boolean countClasses)
      throws IOException, InterruptedException {
    if ("monitor".equals(handler)) {
      String unwell = labUnwell();
      if (unwell != null) {
        return Run.skipped("the lab is not whole (" + unwell + "): the monitor would act on it");
      }
    }
    Path log = work.resolve("classes.log");
    Path out = work.resolve("child.out");
    Path err = work.resolve("child.err");
    Files.deleteIfExists(log);
    List<String> command = new ArrayList<>(List.of("java"));
    command.addAll(flags.flags);
    if (countClasses) {
      command.add("-Xlog:class+load=info:file=" + log);
    }
    command.add("-Daws.endpointUrlSsm=" + ssmEndpoint);
    command.addAll(List.of("-cp", String.join(":", classpath), ColdStartChild.class.getName(),
        LocalInvoke.FUNCTIONS.get(handler), event.toString()));
    ProcessBuilder builder = new ProcessBuilder().redirectOutput(out.toFile()).redirectError(err.toFile());
    // Only the flags above: options from the environment would make the runs incomparable.
    builder.environment().remove("JAVA_TOOL_OPTIONS");
    builder.environment().remove("JDK_JAVA_OPTIONS");
    // The child's clock starts here, just before the fork: the JVM's start as the runtime sees it.
    long spawned = System.nanoTime();
    command.add(1, "-D" + ColdStartChild.SPAWNED + "=" + spawned);
    Process child = builder.command(command).start();
    if (!child.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      child.destroyForcibly().waitFor();
      return Run.failed("no result within " + CHILD_TIMEOUT_SECONDS + " s" + tail(err));
    }
    JsonNode result = null;
    for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
      if (line.startsWith(ColdStartChild.RESULT)) {
        result = JSON.readTree(line.substring(ColdStartChild.RESULT.length()));
      }
    }
    if (result == null || result.has("error") || child.exitValue() != 0) {
      return Run.failed((result != null && result.has("error") ? result.get("error").asText()
          : "exit status " + child.exitValue()) + tail(err));
    }
    return Run.of(result, countClasses ? ClassCount.of(log, options.artifact) : null);
  }

  /** Why the lab is not whole (one primary, every standby streaming), or null when it is. */
  private String labUnwell() throws IOException, InterruptedException {
    Process status = new ProcessBuilder(options.lab.toString(), "status", "--json")
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    byte[] json = status.getInputStream().readAllBytes();
    if (status.waitFor() != 0) {
      return "lab status failed";
    }
    List<String> wrong = new ArrayList<>();
    int primaries = 0;
    for (JsonNode node : JSON.readTree(json).path("nodes")) {
      String state = node.path("state").asText();
      if ("running".equals(state)) {
        primaries++;
      } else if (!"streaming".equals(state)) {
        wrong.add(node.path("name").asText() + " " + state);
      }
    }
    if (primaries != 1) {
      wrong.add(primaries + " primaries");
    }
    return wrong.isEmpty() ? null : String.join(", ", wrong);
  }

  private static void report(Flags flags, String handler, String what, Run run) {
    String figures = run.failure != null ? "FAILED: " + run.failure
        : run.skipped != null ? "skipped: " + run.skipped
        : String.format(Locale.ROOT, "init %.0f ms, first event %.0f ms, %s", run.initMs, run.eventMs, run.action);
    System.err.printf(Locale.ROOT, "  %-11s %-14s %-11s %s%n", flags.name, handler, what, figures);
  }

  // ------------------------------------------------------------------------------ output

  private void printTable(String header, Artifact artifact, List<Flags> flagSets, List<Result> results) {
    System.out.println();
    System.out.println(header);
    System.out.printf(Locale.ROOT, "artifact %s: %,d bytes (%.1f MiB) zipped; %,d classes, %,d bytes (%.1f MiB) of"
            + " class files%n", options.artifact, artifact.bytes, artifact.bytes / 1048576.0, artifact.classes,
        artifact.classBytes, artifact.classBytes / 1048576.0);
    System.out.printf(Locale.ROOT, "classpath: the artifact, %s (the runtime's), the harness (%,d bytes)%n",
        Path.of(classpath.get(2)).getFileName(), treeSize(Path.of(classpath.get(0))));
    String format = "%-15s %8s %-11s %8s %-11s %8s %8s %8s %9s  %s%n";
    for (Flags flags : flagSets) {
      System.out.println();
      System.out.println("JVM flags (" + flags.name + "): " + String.join(" ", flags.flags));
      System.out.printf(Locale.ROOT, format, "handler", "init ms", "(min-max)", "event ms", "(min-max)",
          "total ms", "classes", "by init", "artifact", "outcome");
      for (Result result : results) {
        if (result.flags != flags) {
          continue;
        }
        Stats init = result.stats(r -> r.initMs);
        Stats event = result.stats(r -> r.eventMs);
        Stats total = result.stats(r -> r.initMs + r.eventMs);
        ClassCount classes = result.counted.classes;
        System.out.printf(Locale.ROOT, format, result.handler, init.median(), init.range(), event.median(),
            event.range(), total.median(), count(classes == null ? null : classes.total),
            count(classes == null ? null : classes.init), count(classes == null ? null : classes.artifact),
            result.outcome());
      }
    }
    System.out.println();
    System.out.println("init: JVM start to the handler constructed; event: the first event deserialized and handled;"
        + " total: their sum; medians over the runs.\nclasses: loaded up to the first event handled (one extra,"
        + " untimed run with -Xlog:class+load), by init, and from the artifact.");
    Stats skew = new Stats(results.stream().flatMap(r -> r.runs.stream()).filter(Run::measured)
        .filter(r -> r.startInstantJvmMs != null).map(r -> r.startInstantJvmMs - r.jvmMs).toList());
    if (!skew.values().isEmpty()) {
      System.out.printf(Locale.ROOT, "JVM start: when the benchmark spawned it (CLOCK_MONOTONIC); ProcessHandle's"
          + " startInstant() would put it %s ms earlier (median), as Linux gives it from the boot time in whole"
          + " seconds%n", skew.median());
    }
    System.out.printf(Locale.ROOT, "monitor's event: %s probe rounds %s ms apart, so at least %,d ms of it is the"
            + " probes' deliberate pause%n", env("PGPILOT_CONFIRMATION_PROBES", "3"),
        env("PGPILOT_PROBE_INTERVAL_MS", "500"), (Long.parseLong(env("PGPILOT_CONFIRMATION_PROBES", "3")) - 1)
            * Long.parseLong(env("PGPILOT_PROBE_INTERVAL_MS", "500")));
    System.out.println();
  }

  private static String count(Integer count) {
    return count == null || count < 0 ? "-" : String.format(Locale.ROOT, "%,d", count);
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value.strip();
  }

  // ------------------------------------------------------------------------------ set-up

  /** One event per handler, written to files: each exercises the handler's real init and a cheap first call. */
  private Map<String, Path> writeEvents() throws IOException {
    Map<String, String> json = new LinkedHashMap<>();
    ObjectNode stateChange = (ObjectNode) JSON.readTree(options.events.resolve("ec2-instance-state-change-stopped.json")
        .toFile());
    ((ObjectNode) stateChange.get("detail")).put("instance-id", UNKNOWN_INSTANCE);
    stateChange.putArray("resources").add("arn:aws:ec2:us-east-1:123456789012:instance/" + UNKNOWN_INSTANCE);
    json.put("instance-state", stateChange.toString());
    ObjectNode alarm = (ObjectNode) JSON.readTree(options.events.resolve("cloudwatch-alarm-state-change.json")
        .toFile());
    ((ObjectNode) alarm.get("detail").get("state")).put("value", "OK");
    ((ObjectNode) alarm.get("detail").get("previousState")).put("value", "ALARM");
    json.put("alarm", alarm.toString());
    json.put("monitor", Files.readString(options.events.resolve("scheduled-event.json")));
    ObjectNode report = (ObjectNode) JSON.readTree(options.events.resolve("pgpool-backend-down.json").toFile());
    ((ObjectNode) report.get("detail")).put("node", UNKNOWN_NODE);
    json.put("pgpool-sensor", report.toString());
    json.put("switchover", JSON.createObjectNode().put("target", UNKNOWN_NODE).toString());
    json.put("backup", JSON.createObjectNode().put("type", "weekly").toString());
    Map<String, Path> files = new LinkedHashMap<>();
    for (Map.Entry<String, String> event : json.entrySet()) {
      Path file = work.resolve(event.getKey() + ".json");
      Files.writeString(file, event.getValue());
      files.put(event.getKey(), file);
    }
    return files;
  }

  /** The child's classes, copied from wherever this class was loaded, so nothing else of the lab is on its classpath. */
  private static Path copyHarness(Path target) throws IOException {
    Path source = codeSource(ColdStart.class);
    List<Class<?>> harness = List.of(ColdStartChild.class, LocalContext.class);
    if (Files.isDirectory(source)) {
      copyClasses(source, target, harness);
    } else {
      try (FileSystem jar = FileSystems.newFileSystem(source)) {
        copyClasses(jar.getPath("/"), target, harness);
      }
    }
    return target;
  }

  /** Each class with its nested and anonymous classes (Name$*.class). */
  private static void copyClasses(Path root, Path target, List<Class<?>> classes) throws IOException {
    for (Class<?> type : classes) {
      String name = type.getName().replace('.', '/');
      Path folder = root.resolve(name.substring(0, name.lastIndexOf('/')));
      String simple = name.substring(name.lastIndexOf('/') + 1);
      try (Stream<Path> files = Files.list(folder)) {
        for (Path file : files.toList()) {
          String fileName = file.getFileName().toString();
          if (fileName.equals(simple + ".class") || fileName.startsWith(simple + "$")) {
            Path copy = target.resolve(root.relativize(file).toString());
            Files.createDirectories(copy.getParent());
            Files.copy(file, copy);
          }
        }
      }
    }
  }

  private static Path codeSource(Class<?> type) {
    try {
      return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot locate the classes of " + type.getName(), e);
    }
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static long treeSize(Path root) {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String tail(Path err) throws IOException {
    List<String> lines = Files.readAllLines(err, StandardCharsets.UTF_8);
    return lines.isEmpty() ? "" : "\n      " + String.join("\n      ", lines.subList(Math.max(0, lines.size() - 8),
        lines.size()));
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(file);
      }
    }
  }

  private static void exit(int status, String message) {
    System.err.println(message);
    System.exit(status);
  }

  // ------------------------------------------------------------------------------ figures

  record Flags(String name, List<String> flags) {
  }

  /** The artifact as Lambda gets it: its size zipped, its classes and their bytes unzipped. */
  record Artifact(long bytes, int entries, int classes, long classBytes) {

    static Artifact of(Path jar) throws IOException {
      int entries = 0;
      int classes = 0;
      long classBytes = 0;
      try (ZipFile zip = new ZipFile(jar.toFile())) {
        for (ZipEntry entry : zip.stream().toList()) {
          entries++;
          if (entry.getName().endsWith(".class")) {
            classes++;
            classBytes += entry.getSize();
          }
        }
      }
      return new Artifact(Files.size(jar), entries, classes, classBytes);
    }
  }

  /**
   * The classes a cold start loaded up to its first event handled, by where they came from (the JDK,
   * the artifact, the runtime's serializers and the harness, or generated at run time: lambdas,
   * method handles, proxies), and how many of them init loaded.
   */
  record ClassCount(int total, int artifact, int jdk, int runtime, int generated, int init) {

    static ClassCount of(Path log, Path artifact) throws IOException {
      String artifactSource = "source: file:" + artifact;
      int total = 0;
      int fromArtifact = 0;
      int jdk = 0;
      int generated = 0;
      int init = -1;
      for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
        if (line.contains(ColdStartChild.Done.class.getName() + " ")) {
          break;
        }
        if (line.contains(ColdStartChild.Constructed.class.getName() + " ")) {
          init = total;
          continue;
        }
        int at = line.indexOf(" source: ");
        if (at < 0) {
          continue;
        }
        total++;
        String source = line.substring(at + 1);
        if (source.startsWith("source: jrt:/") || source.startsWith("source: shared objects file")) {
          jdk++;
        } else if (source.equals(artifactSource)) {
          fromArtifact++;
        } else if (!source.startsWith("source: file:")) {
          generated++;
        }
      }
      return new ClassCount(total, fromArtifact, jdk, total - fromArtifact - jdk - generated, generated, init);
    }
  }

  /** One cold start: its figures, or why there are none. */
  record Run(double jvmMs, double initMs, double eventMs, double deserializeMs, Double startInstantJvmMs,
             String action, String reason, String java, ClassCount classes, String failure, String skipped) {

    static Run of(JsonNode result, ClassCount classes) {
      JsonNode startInstant = result.get("startInstantJvmMs");
      return new Run(result.get("jvmMs").asDouble(), result.get("initMs").asDouble(), result.get("eventMs").asDouble(),
          result.get("deserializeMs").asDouble(), startInstant == null || startInstant.isNull() ? null
              : startInstant.asDouble(), result.get("action").asText(), result.get("reason").asText(),
          result.get("java").asText(), classes, null, null);
    }

    static Run failed(String why) {
      return new Run(0, 0, 0, 0, null, null, null, null, null, why, null);
    }

    static Run skipped(String why) {
      return new Run(0, 0, 0, 0, null, null, null, null, null, null, why);
    }

    boolean measured() {
      return failure == null && skipped == null;
    }
  }

  /** Median, least and most of the measured runs; blank when there are none. */
  record Stats(List<Double> values) {

    double at(double quantile) {
      List<Double> sorted = values.stream().sorted().toList();
      double index = quantile * (sorted.size() - 1);
      int low = (int) Math.floor(index);
      int high = (int) Math.ceil(index);
      return (sorted.get(low) + sorted.get(high)) / 2;
    }

    String median() {
      return values.isEmpty() ? "-" : String.format(Locale.ROOT, "%,.0f", at(0.5));
    }

    String range() {
      return values.isEmpty() ? "" : String.format(Locale.ROOT, "(%.0f-%.0f)", at(0), at(1));
    }

    Map<String, Object> json() {
      Map<String, Object> json = new LinkedHashMap<>();
      if (!values.isEmpty()) {
        json.put("median", Math.round(at(0.5)));
        json.put("min", Math.round(at(0)));
        json.put("max", Math.round(at(1)));
      }
      return json;
    }
  }

  /** One handler under one set of flags: the class-counting run and the timed runs. */
  static final class Result {

    final String handler;
    final Flags flags;
    final Run counted;
    final List<Run> runs = new ArrayList<>();

    Result(String handler, Flags flags, Run counted) {
      this.handler = handler;
      this.flags = flags;
      this.counted = counted;
    }

    Stats stats(java.util.function.ToDoubleFunction<Run> figure) {
      return new Stats(runs.stream().filter(Run::measured).map(figure::applyAsDouble).toList());
    }

    /** The outcome of the runs: one action when they agree, else each with its count; then failures and skips. */
    String outcome() {
      Map<String, Integer> seen = new LinkedHashMap<>();
      for (Run run : runs) {
        String what = run.failure != null ? "FAILED" : run.skipped != null ? "skipped" : run.action;
        seen.merge(what, 1, Integer::sum);
      }
      if (seen.size() == 1) {
        return seen.keySet().iterator().next();
      }
      List<String> parts = new ArrayList<>();
      seen.forEach((what, count) -> parts.add(what + " x" + count));
      return String.join(", ", parts);
    }

    Map<String, Object> json(Artifact artifact) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("bench", "cold-start");
      json.put("handler", handler);
      json.put("flags", flags.name);
      json.put("runs", runs.stream().filter(Run::measured).count());
      json.put("initMs", stats(r -> r.initMs).json());
      json.put("firstEventMs", stats(r -> r.eventMs).json());
      json.put("totalMs", stats(r -> r.initMs + r.eventMs).json());
      json.put("jvmMs", stats(r -> r.jvmMs).json());
      json.put("deserializeMs", stats(r -> r.deserializeMs).json());
      ClassCount classes = counted.classes;
      if (classes != null) {
        Map<String, Object> loaded = new LinkedHashMap<>();
        loaded.put("total", classes.total);
        loaded.put("byInit", classes.init);
        loaded.put("artifact", classes.artifact);
        loaded.put("jdk", classes.jdk);
        loaded.put("runtimeAndHarness", classes.runtime);
        loaded.put("generated", classes.generated);
        json.put("classesLoaded", loaded);
      }
      json.put("outcome", outcome());
      runs.stream().filter(Run::measured).findFirst().ifPresent(r -> json.put("reason", r.reason));
      json.put("artifactBytes", artifact.bytes);
      json.put("artifactClasses", artifact.classes);
      json.put("artifactClassBytes", artifact.classBytes);
      json.put("cpus", Runtime.getRuntime().availableProcessors());
      runs.stream().filter(Run::measured).findFirst().ifPresent(r -> json.put("java", r.java));
      return json;
    }
  }

  // ------------------------------------------------------------------------------ arguments

  record Options(int runs, List<String> handlers, boolean lambdaFlagsOnly, Path artifact, Path events, Path lab) {

    static Options parse(String[] args) {
      int runs = 5;
      List<String> handlers = new ArrayList<>(LocalInvoke.FUNCTIONS.keySet());
      boolean lambdaFlagsOnly = false;
      Path artifact = Path.of("functions/target/pgpilot-functions-lambda.jar");
      Path events = Path.of("functions/src/test/resources/events");
      Path lab = Path.of("lab/lab.sh");
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        if ("--lambda-flags-only".equals(arg)) {
          lambdaFlagsOnly = true;
          continue;
        }
        if (i + 1 >= args.length) {
          exit(2, USAGE);
        }
        String value = args[++i];
        switch (arg) {
          case "--runs" -> {
            if (!value.matches("[1-9][0-9]{0,2}")) {
              exit(2, "--runs takes a whole number from 1 to 999, not '" + value + "'");
            }
            runs = Integer.parseInt(value);
          }
          case "--handler" -> {
            if (!LocalInvoke.FUNCTIONS.containsKey(value)) {
              exit(2, "unknown handler '" + value + "'\n" + USAGE);
            }
            handlers = List.of(value);
          }
          case "--artifact" -> artifact = Path.of(value);
          case "--events" -> events = Path.of(value);
          case "--lab" -> lab = Path.of(value);
          default -> exit(2, USAGE);
        }
      }
      return new Options(runs, handlers, lambdaFlagsOnly, artifact.toAbsolutePath(), events, lab);
    }
  }
}

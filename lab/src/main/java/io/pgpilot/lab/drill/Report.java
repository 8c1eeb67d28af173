package io.pgpilot.lab.drill;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** The drill's results: medians over runs, the table at the end, the JSON report. */
final class Report {

  private final String scenario;
  private final Map<String, Object> settings;
  private final List<RunResult> runs;

  Report(String scenario, Map<String, Object> settings, List<RunResult> runs) {
    this.scenario = scenario;
    this.settings = settings;
    this.runs = List.copyOf(runs);
  }

  Map<String, Object> summary() {
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("runs", runs.size());
    summary.put("correctRuns", runs.stream().filter(RunResult::correct).count());
    summary.put("medianRtoMs", median(runs.stream().map(RunResult::rtoMs).toList()));
    summary.put("maxRtoMs", runs.stream().map(RunResult::rtoMs).filter(Objects::nonNull).max(Long::compare).orElse(null));
    summary.put("medianSteadyMs", median(runs.stream().map(RunResult::steadyMs).toList()));
    summary.put("maxSteadyMs", runs.stream().map(RunResult::steadyMs).filter(Objects::nonNull).max(Long::compare)
        .orElse(null));
    summary.put("lostCommits", runs.stream().map(RunResult::lostCommits).filter(Objects::nonNull)
        .mapToInt(Integer::intValue).sum());
    summary.put("runsWithoutPrimary", runs.stream().filter(r -> r.lostCommits() == null).count());
    summary.put("maxWritableAtOnce", runs.stream().map(RunResult::maxWritableAtOnce).filter(Objects::nonNull)
        .max(Integer::compare).orElse(null));
    summary.put("lostAfterPromotion", runs.stream().map(RunResult::lostAfterPromotion).filter(Objects::nonNull)
        .reduce(Integer::sum).orElse(null));
    summary.put("ackedCommits", runs.stream().mapToInt(RunResult::ackedCommits).sum());
    summary.put("medianReadOutageMs", median(runs.stream().map(r -> (Long) r.readOutageMs()).toList()));
    Long pathBack = median(runs.stream().map(RunResult::writesAfterPathBackMs).toList());
    if (pathBack != null) {
      summary.put("medianWritesAfterPathBackMs", pathBack);
      summary.put("maxWritesAfterPathBackMs", runs.stream().map(RunResult::writesAfterPathBackMs)
          .filter(Objects::nonNull).max(Long::compare).orElse(null));
    }
    Map<String, Long> phases = new LinkedHashMap<>();
    for (String phase : phaseNames()) {
      phases.put(phase, median(runs.stream().map(r -> r.phases().get(phase)).toList()));
    }
    summary.put("medianPhasesMs", phases);
    summary.put("allWhole", runs.stream().noneMatch(r -> Boolean.FALSE.equals(r.whole())));
    List<ArchiveLag> lags = runs.stream().map(RunResult::archiveLagAtFault).filter(Objects::nonNull).toList();
    if (!lags.isEmpty()) {
      summary.put("maxArchivePendingSegmentsAtFault", lags.stream().mapToInt(ArchiveLag::pendingSegments).max().orElse(0));
      summary.put("maxArchiveOldestPendingSecondsAtFault",
          lags.stream().mapToDouble(ArchiveLag::oldestPendingSeconds).max().orElse(0));
    }
    List<Pitr.Result> pitrs = runs.stream().map(RunResult::pitr).filter(Objects::nonNull).toList();
    if (!pitrs.isEmpty()) {
      summary.put("pitrCorrectRuns", pitrs.stream().filter(Pitr.Result::correct).count());
      summary.put("medianRestoreMs", median(pitrs.stream().map(p -> p.restoreSeconds() == null ? null
          : Math.round(p.restoreSeconds() * 1000)).toList()));
      summary.put("medianArchiveAfterSwitchMs", median(pitrs.stream().map(Pitr.Result::archiveMs).toList()));
    }
    return summary;
  }

  List<RunResult> runs() {
    return runs;
  }

  /**
   * SUMMARY: what the report's summary is (pgpilot's runs' in a comparison); COMPARISON: the
   * contenders' summaries and ratios (see {@link #comparison}), null without --compare.
   */
  void writeJson(Path file, Map<String, Object> summary, List<Map<String, Object>> comparison) throws IOException {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("scenario", scenario);
    json.put("settings", settings);
    json.put("runs", runs);
    json.put("summary", summary);
    if (comparison != null) {
      json.put("comparison", comparison);
    }
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), json);
  }

  /** WITH_MEDIANS: the medians and the summary line, which only mean something for one contender's runs. */
  void printTable(PrintStream out, boolean withMedians) {
    List<String> phases = phaseNames();
    StringBuilder head = new StringBuilder(String.format("%-14s %-4s %-6s %-8s %8s %8s %6s %8s %8s", "ha", "run",
        "fault", "primary", "RTO", "steady", "lost", "writable", "reads"));
    phases.forEach(p -> head.append(String.format(" %9s", p)));
    head.append("  whole");
    out.println(head);
    for (RunResult r : runs) {
      StringBuilder line = new StringBuilder(String.format("%-14s %-4d %-6s %-8s %8s %8s %6s %8s %8s", r.ha(),
          r.run(), r.target(), r.primaryAfter(), seconds(r.rtoMs()), seconds(r.steadyMs()),
          r.lostCommits() == null ? "?" : r.lostCommits(),
          orDash(r.maxWritableAtOnce()), seconds(r.readOutageMs())));
      phases.forEach(p -> line.append(String.format(" %9s", seconds(r.phases().get(p)))));
      line.append("  ").append(r.whole() == null ? "-" : r.whole() ? "yes" : "NO");
      out.println(line);
    }
    if (!withMedians) {
      return;
    }
    Map<String, Object> summary = summary();
    @SuppressWarnings("unchecked")
    Map<String, Long> medians = (Map<String, Long>) summary.get("medianPhasesMs");
    StringBuilder line = new StringBuilder(String.format("%-14s %-4s %-6s %-8s %8s %8s %6s %8s %8s", "median", "",
        "", "", seconds((Long) summary.get("medianRtoMs")), seconds((Long) summary.get("medianSteadyMs")),
        summary.get("lostCommits"),
        orDash(summary.get("maxWritableAtOnce")), seconds((Long) summary.get("medianReadOutageMs"))));
    phases.forEach(p -> line.append(String.format(" %9s", seconds(medians.get(p)))));
    out.println(line);
    out.printf("%s, %d run(s): median RTO %s (max %s), writes steady from %s (max %s), %s of %s acknowledged"
        + " commits lost, at most %s host(s) writable at once, %d of %d runs correct%n", scenario, runs.size(),
        seconds((Long) summary.get("medianRtoMs")), seconds((Long) summary.get("maxRtoMs")),
        seconds((Long) summary.get("medianSteadyMs")), seconds((Long) summary.get("maxSteadyMs")),
        summary.get("lostCommits"), summary.get("ackedCommits"),
        orDash(summary.get("maxWritableAtOnce")), (Long) summary.get("correctRuns"), runs.size());
    if (summary.get("medianWritesAfterPathBackMs") != null) {
      out.printf("writes through pgpool back after its path to the primary returned: median %s (max %s)%n",
          seconds((Long) summary.get("medianWritesAfterPathBackMs")),
          seconds((Long) summary.get("maxWritesAfterPathBackMs")));
    }
    if (summary.get("maxArchivePendingSegmentsAtFault") != null) {
      out.printf("WAL archive at the fault: at most %s segment(s) waiting, the oldest for %s s%n",
          summary.get("maxArchivePendingSegmentsAtFault"), summary.get("maxArchiveOldestPendingSecondsAtFault"));
    }
    if (summary.get("pitrCorrectRuns") != null) {
      out.printf("point-in-time restores after the failover: %s of %d exact (expectedRows == restoredRows), median"
          + " restore %s, a switched WAL segment archived in a median %s%n", summary.get("pitrCorrectRuns"),
          runs.stream().filter(r -> r.pitr() != null).count(), seconds((Long) summary.get("medianRestoreMs")),
          seconds((Long) summary.get("medianArchiveAfterSwitchMs")));
    }
    if (summary.get("lostAfterPromotion") != null) {
      out.printf("direct commits (to the first primary, not through pgpool) acknowledged after the promotion and lost:"
          + " %s%n", summary.get("lostAfterPromotion"));
    }
    runs.stream().filter(r -> !r.correct()).forEach(r -> out.printf("run %d VIOLATED: %s%n", r.run(),
        String.join("; ", r.violations())));
  }

  /** Per scenario, its runs' summary: the matrix's JSON. */
  Map<String, Object> summaryByScenario() {
    Map<String, Object> byScenario = new LinkedHashMap<>();
    runs.stream().map(RunResult::scenario).distinct().forEach(id -> byScenario.put(id,
        new Report(id, Map.of(), runs.stream().filter(r -> r.scenario().equals(id)).toList()).summary()));
    return byScenario;
  }

  /**
   * The matrix: one line per scenario of {@code scenarios}, in that order: its runs, commits lost
   * (through pgpool), the most hosts writable at once, direct commits lost after the promotion,
   * RTO median and max, how many runs ended whole, and
   * whether every run held; then what each violating run did wrong.
   */
  void printMatrix(List<String> scenarios, PrintStream out) {
    String format = "%-18s %4s %11s %17s %18s %10s %10s %6s  %s%n";
    out.printf(format, "scenario", "runs", "lostCommits", "maxWritableAtOnce", "lostAfterPromotion", "RTO median",
        "RTO max", "whole", "verdict");
    for (String id : scenarios) {
      List<RunResult> mine = runs.stream().filter(r -> r.scenario().equals(id)).toList();
      Map<String, Object> summary = new Report(id, Map.of(), mine).summary();
      long whole = mine.stream().filter(r -> Boolean.TRUE.equals(r.whole())).count();
      long correct = mine.stream().filter(RunResult::correct).count();
      out.printf(format, id, mine.size(), summary.get("lostCommits"), orDash(summary.get("maxWritableAtOnce")),
          orDash(summary.get("lostAfterPromotion")), seconds((Long) summary.get("medianRtoMs")),
          seconds((Long) summary.get("maxRtoMs")), whole + "/" + mine.size(),
          correct == mine.size() ? "ok" : "VIOLATED in " + (mine.size() - correct) + " of " + mine.size());
    }
    out.println("lostCommits: acknowledged through pgpool, missing on the final primary. maxWritableAtOnce: the most"
        + " database hosts that could acknowledge a commit at the same instant, sampled every "
        + WritabilitySampler.PERIOD_MS + " ms (at most 1).\nlostAfterPromotion: commits written directly to the first"
        + " primary, acknowledged after the promotion, missing on the final primary (0; - where no direct writer"
        + " ran). RTO: the fault to writes through pgpool again, 0.00 s when they never stopped.");
    runs.stream().filter(r -> !r.correct()).forEach(r -> out.printf("%s run %d VIOLATED: %s%n", r.scenario(), r.run(),
        String.join("; ", r.violations())));
  }

  private static String orDash(Object value) {
    return value == null ? "-" : value.toString();
  }

  /** Per contender: its runs' summary, and its median RTO and lost commits as a ratio to pgpilot's. */
  static List<Map<String, Object>> comparison(Map<String, Report> byContender, Map<String, String> notes) {
    Map<String, Object> base = byContender.get(Drill.PGPILOT).summary();
    List<Map<String, Object>> rows = new ArrayList<>();
    byContender.forEach((ha, report) -> {
      Map<String, Object> summary = report.summary();
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("ha", ha);
      row.put("setup", notes.get(ha));
      row.put("summary", summary);
      row.put("rtoRatioToPgpilot", ratio((Long) summary.get("medianRtoMs"), (Long) base.get("medianRtoMs")));
      row.put("lostCommitsRatioToPgpilot", ratio(((Integer) summary.get("lostCommits")).longValue(),
          ((Integer) base.get("lostCommits")).longValue()));
      rows.add(row);
    });
    return rows;
  }

  static void printComparison(Map<String, Report> byContender, Map<String, String> notes, PrintStream out) {
    out.printf("%-14s %4s %10s %10s %6s %9s %11s  %s%n", "ha", "runs", "median RTO", "max RTO", "lost", "no primary",
        "RTO ratio", "set-up");
    for (Map<String, Object> row : comparison(byContender, notes)) {
      @SuppressWarnings("unchecked")
      Map<String, Object> s = (Map<String, Object>) row.get("summary");
      Double ratio = (Double) row.get("rtoRatioToPgpilot");
      out.printf("%-14s %4s %10s %10s %6s %9s %11s  %s%n", row.get("ha"), s.get("runs"),
          seconds((Long) s.get("medianRtoMs")), seconds((Long) s.get("maxRtoMs")), s.get("lostCommits"),
          s.get("runsWithoutPrimary"), ratio == null ? "-" : String.format("%.2f", ratio), row.get("setup"));
    }
    out.println("RTO ratio: the contender's median RTO over pgpilot's (above 1: slower than pgpilot).");
  }

  /** THAT / BASE; null when either is unknown or the base is 0 (e.g. no commit lost by pgpilot). */
  static Double ratio(Long that, Long base) {
    return that == null || base == null || base == 0 ? null : (double) that / base;
  }

  private List<String> phaseNames() {
    Set<String> names = new LinkedHashSet<>();
    runs.forEach(r -> names.addAll(r.phases().keySet()));
    names.remove("total");
    return new ArrayList<>(names);
  }

  static Long median(List<Long> values) {
    List<Long> sorted = values.stream().filter(Objects::nonNull).sorted().toList();
    if (sorted.isEmpty()) {
      return null;
    }
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  static String seconds(Long ms) {
    return ms == null ? "-" : String.format("%.2f s", ms / 1000.0);
  }
}

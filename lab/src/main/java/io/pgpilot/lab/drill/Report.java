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
    summary.put("lostCommits", runs.stream().mapToInt(RunResult::lostCommits).sum());
    summary.put("ackedCommits", runs.stream().mapToInt(RunResult::ackedCommits).sum());
    summary.put("medianReadOutageMs", median(runs.stream().map(r -> (Long) r.readOutageMs()).toList()));
    Map<String, Long> phases = new LinkedHashMap<>();
    for (String phase : phaseNames()) {
      phases.put(phase, median(runs.stream().map(r -> r.phases().get(phase)).toList()));
    }
    summary.put("medianPhasesMs", phases);
    summary.put("allWhole", runs.stream().allMatch(RunResult::whole));
    return summary;
  }

  void writeJson(Path file) throws IOException {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("scenario", scenario);
    json.put("settings", settings);
    json.put("runs", runs);
    json.put("summary", summary());
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), json);
  }

  void printTable(PrintStream out) {
    List<String> phases = phaseNames();
    StringBuilder head = new StringBuilder(String.format("%-6s %-6s %-8s %8s %6s %8s", "run", "fault", "primary",
        "RTO", "lost", "reads"));
    phases.forEach(p -> head.append(String.format(" %9s", p)));
    head.append("  whole");
    out.println(head);
    for (RunResult r : runs) {
      StringBuilder line = new StringBuilder(String.format("%-6d %-6s %-8s %8s %6d %8s", r.run(), r.target(),
          r.primaryAfter(), seconds(r.rtoMs()), r.lostCommits(), seconds(r.readOutageMs())));
      phases.forEach(p -> line.append(String.format(" %9s", seconds(r.phases().get(p)))));
      line.append("  ").append(r.whole() ? "yes" : "NO");
      out.println(line);
    }
    Map<String, Object> summary = summary();
    @SuppressWarnings("unchecked")
    Map<String, Long> medians = (Map<String, Long>) summary.get("medianPhasesMs");
    StringBuilder line = new StringBuilder(String.format("%-6s %-6s %-8s %8s %6s %8s", "median", "", "",
        seconds((Long) summary.get("medianRtoMs")), summary.get("lostCommits"),
        seconds((Long) summary.get("medianReadOutageMs"))));
    phases.forEach(p -> line.append(String.format(" %9s", seconds(medians.get(p)))));
    out.println(line);
    out.printf("%s, %d run(s): median RTO %s (max %s), %s of %s acknowledged commits lost, %d of %d runs correct%n",
        scenario, runs.size(), seconds((Long) summary.get("medianRtoMs")), seconds((Long) summary.get("maxRtoMs")),
        summary.get("lostCommits"), summary.get("ackedCommits"), (Long) summary.get("correctRuns"), runs.size());
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

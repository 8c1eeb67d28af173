package io.pgpilot.lab.drill;

import io.pgpilot.lab.Lab;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a failover decision's candidate ranking against the cluster as it was before the
 * fault: every candidate must be reported on the timeline the cluster was on (each was streaming
 * on it), and when the first two have received the same WAL, the synchronous standby wins.
 */
final class Ranking {

  /** "promoting pg2, the answering standby that has received the most WAL: pg2 0/3463460 on timeline 3 (synchronous), ...;" */
  private static final Pattern LIST = Pattern.compile("the answering standby that has received the most WAL: ([^;]*)");
  private static final Pattern ENTRY =
      Pattern.compile("(\\S+) ([0-9A-F]+/[0-9A-F]+) on timeline (\\d+)( \\(synchronous\\))?");

  private record Candidate(String node, String position, int timeline, boolean synchronous) {}

  private Ranking() {
  }

  /** Why the ranking in {@code decision} is wrong, or null when it is right or the decision has none. */
  static String problem(String decision, Lab.Status before) {
    Matcher list = LIST.matcher(decision);
    if (!list.find()) {
      return null;
    }
    List<Candidate> ranked = new ArrayList<>();
    Matcher entry = ENTRY.matcher(list.group(1));
    while (entry.find()) {
      ranked.add(new Candidate(entry.group(1), entry.group(2), Integer.parseInt(entry.group(3)),
          entry.group(4) != null));
    }
    Integer timeline = before.nodes().stream().filter(n -> "primary".equals(n.role())).map(Lab.Node::timeline)
        .findFirst().orElse(null);
    for (Candidate c : ranked) {
      if (timeline != null && c.timeline() != timeline) {
        return c.node() + " is ranked on timeline " + c.timeline() + " while the cluster was on timeline " + timeline
            + ": " + list.group(1);
      }
    }
    Candidate first = ranked.isEmpty() ? null : ranked.get(0);
    if (first != null && !first.synchronous() && ranked.stream().anyMatch(c -> c.synchronous()
        && c.position().equals(first.position()) && c.timeline() == first.timeline())) {
      return "a tie not won by the synchronous standby: " + list.group(1);
    }
    return null;
  }
}

package io.pgpilot.lab.drill;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which database hosts could acknowledge a commit, and when, from each host's samples (see
 * {@link WritabilitySampler}); the invariant is that never more than one could at once.
 *
 * <p>A sample is taken somewhere between when it was sent and when it was answered, and nothing is
 * known between two samples; so a host counts as writable from the sending of the first writable
 * sample of a run of them until the answer of the first sample after it that is not writable (or
 * the last answer, when sampling ended while it was writable). That errs towards overlap: two
 * hosts that hand over within one sample's uncertainty count as writable at once.
 */
final class Writability {

  /** What a host answered. */
  enum Answer {
    /** Not in recovery, and its commits need no standby or a standby they wait for streams: it can acknowledge one. */
    WRITABLE,
    /** Not in recovery, but none of the synchronous standbys its commits wait for streams: they hang. */
    PRIMARY_WAITING,
    /** In recovery: read-only. */
    STANDBY,
    /** No answer: PostgreSQL is not running, its host is shut down, or the sample failed. */
    DOWN;

    boolean primary() {
      return this == WRITABLE || this == PRIMARY_WAITING;
    }
  }

  /** One sample of one host, on the run's clock. */
  record Sample(long sentMs, long answeredMs, Answer answer) {}

  /** A time during which {@code host} could acknowledge a commit: [fromMs, toMs). */
  record Interval(String host, long fromMs, long toMs) {}

  /** The most hosts that could acknowledge a commit at the same instant, the first such instant and which they were. */
  record Overlap(int hosts, Long atMs, List<String> which) {}

  private Writability() {
  }

  static List<Interval> writableIntervals(String host, List<Sample> samples) {
    List<Interval> intervals = new ArrayList<>();
    Long from = null;
    for (Sample sample : samples) {
      boolean writable = sample.answer() == Answer.WRITABLE;
      if (writable && from == null) {
        from = sample.sentMs();
      } else if (!writable && from != null) {
        intervals.add(new Interval(host, from, sample.answeredMs()));
        from = null;
      }
    }
    if (from != null) {
      intervals.add(new Interval(host, from, samples.get(samples.size() - 1).answeredMs()));
    }
    return intervals;
  }

  /** The most hosts writable at once over the merged timelines of {@code byHost}. */
  static Overlap maxAtOnce(Map<String, List<Sample>> byHost) {
    record Edge(long atMs, boolean opens, String host) {}
    List<Edge> edges = new ArrayList<>();
    byHost.forEach((host, samples) -> writableIntervals(host, samples).forEach(i -> {
      edges.add(new Edge(i.fromMs(), true, host));
      edges.add(new Edge(i.toMs(), false, host));
    }));
    // An interval is open at its start and closed at its end: at one instant, ends come first.
    edges.sort(Comparator.comparingLong(Edge::atMs).thenComparing(Edge::opens));
    Set<String> open = new TreeSet<>();
    Overlap most = new Overlap(0, null, List.of());
    for (Edge edge : edges) {
      if (edge.opens()) {
        open.add(edge.host());
        if (open.size() > most.hosts()) {
          most = new Overlap(open.size(), edge.atMs(), List.copyOf(open));
        }
      } else {
        open.remove(edge.host());
      }
    }
    return most;
  }

  /**
   * When a host other than {@code except} was first seen as a primary (writable or not: a promoted
   * standby whose commits wait for a standby is promoted all the same); null when none was.
   */
  static Long promotedAtMs(Map<String, List<Sample>> byHost, String except) {
    return byHost.entrySet().stream().filter(e -> !e.getKey().equals(except))
        .map(e -> firstAsPrimary(e.getValue(), Long.MIN_VALUE)).filter(Objects::nonNull)
        .map(Sample::sentMs).min(Long::compare).orElse(null);
  }

  /** The first sample from {@code fromMs} on in which the host answered as a primary; null when none. */
  static Sample firstAsPrimary(List<Sample> samples, long fromMs) {
    return samples.stream().filter(s -> s.sentMs() >= fromMs && s.answer().primary()).findFirst().orElse(null);
  }

  /** Whether the host was seen writable before {@code beforeMs}: the sampler worked on it. */
  static boolean writableBefore(List<Sample> samples, long beforeMs) {
    return samples.stream().anyMatch(s -> s.answeredMs() < beforeMs && s.answer() == Answer.WRITABLE);
  }
}

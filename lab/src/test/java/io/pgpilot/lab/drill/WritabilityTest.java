package io.pgpilot.lab.drill;

import static io.pgpilot.lab.drill.Writability.Answer.DOWN;
import static io.pgpilot.lab.drill.Writability.Answer.PRIMARY_WAITING;
import static io.pgpilot.lab.drill.Writability.Answer.STANDBY;
import static io.pgpilot.lab.drill.Writability.Answer.WRITABLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.lab.drill.Writability.Answer;
import io.pgpilot.lab.drill.Writability.Interval;
import io.pgpilot.lab.drill.Writability.Overlap;
import io.pgpilot.lab.drill.Writability.Sample;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The merge of per-host writability timelines: the invariant that at most one host could acknowledge a commit. */
class WritabilityTest {

  @Test
  void givenRunsOfSamples_whenMadeIntervals_thenEachRunsFromItsFirstSendingToTheAnswerThatEndsIt() {
    List<Sample> samples = List.of(s(0, 2, WRITABLE), s(20, 22, WRITABLE), s(40, 45, DOWN), s(60, 61, STANDBY),
        s(80, 81, WRITABLE), s(100, 103, WRITABLE));

    assertEquals(List.of(new Interval("pg1", 0, 45), new Interval("pg1", 80, 103)),
        Writability.writableIntervals("pg1", samples));
    assertEquals(List.of(), Writability.writableIntervals("pg1", List.of(s(0, 1, PRIMARY_WAITING), s(20, 21, DOWN))),
        "a primary whose synchronous standby is gone cannot acknowledge a commit");
  }

  @Test
  void givenAHandOverWithAGap_whenMerged_thenOneAtATime() {
    Map<String, List<Sample>> byHost = new LinkedHashMap<>();
    byHost.put("pg1", timeline(0, 1000, WRITABLE, 1000, 5000, DOWN));
    byHost.put("pg2", timeline(0, 1500, STANDBY, 1500, 5000, WRITABLE));
    byHost.put("pg3", timeline(0, 5000, STANDBY));

    Overlap overlap = Writability.maxAtOnce(byHost);

    assertEquals(1, overlap.hosts());
    assertEquals(0L, overlap.atMs());
    assertEquals(List.of("pg1"), overlap.which());
    assertEquals(1500L, Writability.promotedAtMs(byHost, "pg1"));
  }

  @Test
  void givenTheOldPrimaryStillWritableWhenTheNewOneIs_whenMerged_thenTwoAtOnceNamedWithTheInstant() {
    Map<String, List<Sample>> byHost = new LinkedHashMap<>();
    byHost.put("pg1", timeline(0, 3000, WRITABLE, 3000, 5000, DOWN));
    byHost.put("pg2", timeline(0, 2000, STANDBY, 2000, 5000, WRITABLE));

    Overlap overlap = Writability.maxAtOnce(byHost);

    assertEquals(2, overlap.hosts());
    assertEquals(2000L, overlap.atMs());
    assertEquals(List.of("pg1", "pg2"), overlap.which());
  }

  @Test
  void givenOneHostsLastWritableAnswerAtTheInstantAnotherIsSent_whenMerged_thenNoOverlap() {
    Map<String, List<Sample>> byHost = new LinkedHashMap<>();
    byHost.put("pg1", List.of(s(0, 10, WRITABLE), s(20, 30, DOWN)));
    byHost.put("pg2", List.of(s(0, 10, STANDBY), s(30, 31, WRITABLE)));

    assertEquals(1, Writability.maxAtOnce(byHost).hosts(), "pg1 ends at 30, pg2 begins at 30");

    byHost.put("pg2", List.of(s(0, 10, STANDBY), s(29, 31, WRITABLE)));
    assertEquals(2, Writability.maxAtOnce(byHost).hosts(), "pg2 may have been writable at 29, pg1 until 30");
  }

  @Test
  void givenNoHostEverWritable_whenMerged_thenZeroAndNoPromotion() {
    Map<String, List<Sample>> byHost = Map.of("pg1", timeline(0, 500, DOWN), "pg2", timeline(0, 500, STANDBY));

    assertEquals(new Overlap(0, null, List.of()), Writability.maxAtOnce(byHost));
    assertNull(Writability.promotedAtMs(byHost, "pg1"));
  }

  @Test
  void givenAPromotedStandbyWhoseCommitsFirstWait_whenAskedForThePromotion_thenItsFirstAnswerAsAPrimary() {
    Map<String, List<Sample>> byHost = new LinkedHashMap<>();
    byHost.put("pg1", timeline(0, 1000, WRITABLE, 1000, 5000, DOWN));
    byHost.put("pg2", timeline(0, 1200, STANDBY, 1200, 3000, PRIMARY_WAITING, 3000, 5000, WRITABLE));

    assertEquals(1200L, Writability.promotedAtMs(byHost, "pg1"));
    assertEquals(1, Writability.maxAtOnce(byHost).hosts());
  }

  @Test
  void givenAnOldPrimaryThatCameBack_whenAskedFromThePromotionOn_thenItsFirstAnswerAsAPrimary() {
    List<Sample> pg1 = timeline(0, 1000, WRITABLE, 1000, 4000, DOWN, 4000, 6000, PRIMARY_WAITING);

    assertEquals(4000L, Writability.firstAsPrimary(pg1, 1500).sentMs());
    assertNull(Writability.firstAsPrimary(timeline(0, 1000, WRITABLE, 1000, 6000, STANDBY), 1500));
    assertTrue(Writability.writableBefore(pg1, 1000));
    assertFalse(Writability.writableBefore(timeline(0, 1000, DOWN), 1000));
  }

  @Test
  void givenPsqlAnswers_whenRead_thenStandbyWritableWaitingOrNoAnswer() {
    assertEquals(WRITABLE, WritabilitySampler.answer(List.of("writability|f|t")));
    assertEquals(PRIMARY_WAITING, WritabilitySampler.answer(List.of("writability|f|f")));
    assertEquals(STANDBY, WritabilitySampler.answer(List.of("writability|t|f")));
    assertEquals(DOWN, WritabilitySampler.answer(List.of("ERROR:  canceling statement due to user request")));
    assertEquals(DOWN, WritabilitySampler.answer(List.of()));
  }

  private static Sample s(long sent, long answered, Answer answer) {
    return new Sample(sent, answered, answer);
  }

  /** Samples every 20 ms (answered 2 ms later) over [from, to) for each (from, to, answer) triple. */
  private static List<Sample> timeline(Object... spans) {
    List<Sample> samples = new ArrayList<>();
    for (int i = 0; i < spans.length; i += 3) {
      for (long t = ((Number) spans[i]).longValue(); t < ((Number) spans[i + 1]).longValue(); t += 20) {
        samples.add(s(t, t + 2, (Answer) spans[i + 2]));
      }
    }
    return samples;
  }
}

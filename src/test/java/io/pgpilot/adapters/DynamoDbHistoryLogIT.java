package io.pgpilot.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.pgpilot.core.Step;
import io.pgpilot.core.ports.HistoryEntry;
import io.pgpilot.lab.LabExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

@ExtendWith(LabExtension.class)
class DynamoDbHistoryLogIT {

  // The extension must run after LabExtension, which brings the emulator up.
  @RegisterExtension
  static final StateTableFixture STATE = new StateTableFixture();

  @Test
  void givenTransitions_whenAppended_thenReadBackNewestFirstWithStepsReasonAndPhasesInOrder() {
    String cluster = Emulator.unique("c");
    DynamoDbHistoryLog history = new DynamoDbHistoryLog(STATE.dynamo(), STATE.table());
    Map<String, Duration> phases = new LinkedHashMap<>();
    phases.put("confirm", Duration.ofMillis(2100));
    phases.put("fence", Duration.ofMillis(450));
    phases.put("promote", Duration.ofMillis(38));
    phases.put("repoint", Duration.ofMillis(1200));
    List<String> steps = DynamoDbHistoryLog.describe(List.of(
        new Step.Fence("pg1", Step.Fence.How.STOP_INSTANCE), new Step.Promote("pg2"), new Step.Repoint("pg3", "pg2")));
    HistoryEntry failover = new HistoryEntry(cluster, Instant.parse("2030-01-01T00:00:00.5Z"), 7,
        "completed", "pg2", "pg1 stopped; pg2 is the synchronous standby and furthest ahead", steps, phases);
    // 00:00:00.5Z prints shorter than 00:00:00.123456789Z: the sort key must still order them by time.
    HistoryEntry refusal = new HistoryEntry(cluster, Instant.parse("2030-01-01T00:00:00.523456789Z"),
        0, "refused", null, "pg1 is reachable: nothing to do", List.of(), Map.of());
    HistoryEntry earlier = new HistoryEntry(cluster, Instant.parse("2029-12-31T23:59:59Z"), 6,
        "refused", "pg1", "lease held by invocation-x", List.of(), Map.of());

    history.append(failover);
    history.append(refusal);
    history.append(earlier);

    assertEquals(List.of(refusal, failover, earlier), history.recent(cluster, 10));
    assertEquals(List.of(refusal, failover), history.recent(cluster, 2));
    assertEquals(List.of("confirm", "fence", "promote", "repoint"),
        List.copyOf(history.recent(cluster, 2).get(1).phases().keySet()));
    assertEquals("Promote[node=pg2]", history.recent(cluster, 2).get(1).steps().get(1));
    assertEquals(List.of(), history.recent(Emulator.unique("c"), 10));
  }

  @Test
  void givenAnEntry_whenAppendedAgain_thenRefusedRatherThanOverwritten() {
    String cluster = Emulator.unique("c");
    DynamoDbHistoryLog history = new DynamoDbHistoryLog(STATE.dynamo(), STATE.table());
    HistoryEntry entry = new HistoryEntry(cluster, Instant.parse("2030-01-01T00:00:00Z"), 1,
        "completed", "pg2", "first", List.of(), Map.of());
    history.append(entry);

    assertThrows(ConditionalCheckFailedException.class, () -> history.append(new HistoryEntry(cluster,
        entry.startedAt(), 1, "completed", "pg3", "second", List.of(), Map.of())));

    assertEquals(List.of(entry), history.recent(cluster, 10));
  }
}

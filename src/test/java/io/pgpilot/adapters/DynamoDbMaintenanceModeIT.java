package io.pgpilot.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.Maintenance;
import io.pgpilot.lab.LabExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Maintenance mode in the state table: read back whole, over at its end, ended once, never guessed. */
@ExtendWith(LabExtension.class)
class DynamoDbMaintenanceModeIT {

  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

  // The extension must run after LabExtension, which brings the emulator up.
  @RegisterExtension
  static final StateTableFixture STATE = new StateTableFixture();

  private final DynamoDbMaintenanceMode maintenance = new DynamoDbMaintenanceMode(STATE.dynamo(), STATE.table());

  @Test
  void givenAPauseWithAnEnd_whenRead_thenItHoldsUntilItsEndAndIsOverAfter() {
    String cluster = Emulator.unique("cluster");
    Maintenance paused = new Maintenance(T0, "arn:aws:iam::123456789012:user/dba", T0.plus(Duration.ofHours(1)));

    assertEquals(Optional.empty(), maintenance.current(cluster, T0));
    maintenance.pause(cluster, paused);

    assertEquals(Optional.of(paused), maintenance.current(cluster, T0.plus(Duration.ofMinutes(59))));
    assertEquals(Optional.empty(), maintenance.current(cluster, T0.plus(Duration.ofHours(1))));
    assertEquals(Optional.empty(), maintenance.current(Emulator.unique("other"), T0), "another cluster is not paused");
  }

  @Test
  void givenAPauseUntilResumed_whenResumedTwice_thenTheSecondSaysItWasNotPaused() {
    String cluster = Emulator.unique("cluster");
    maintenance.pause(cluster, new Maintenance(T0, "someone", null));

    assertTrue(maintenance.current(cluster, T0.plus(Duration.ofDays(400))).isPresent());
    assertTrue(maintenance.resume(cluster, T0));
    assertFalse(maintenance.resume(cluster, T0));
    assertEquals(Optional.empty(), maintenance.current(cluster, T0));
  }

  @Test
  void givenAnItemEditedByHand_whenRead_thenRefusedWithWhatToDo() {
    String cluster = Emulator.unique("cluster");
    STATE.dynamo().putItem(r -> r.tableName(STATE.table()).item(Map.of(
        StateTable.PK, AttributeValue.fromS(StateTable.partition(cluster)),
        StateTable.SK, AttributeValue.fromS(StateTable.PAUSE),
        "since", AttributeValue.fromS("yesterday"))));

    IllegalStateException e = assertThrows(IllegalStateException.class, () -> maintenance.current(cluster, T0));
    assertTrue(e.getMessage().contains("resume the cluster (pgpilot ctl resume) or pause it again"), e.getMessage());
    assertTrue(maintenance.resume(cluster, T0), "an unreadable pause can still be ended");
  }
}

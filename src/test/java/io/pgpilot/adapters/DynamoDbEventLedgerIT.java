package io.pgpilot.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.lab.LabExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** At-least-once delivery: the first delivery of an event id is told so, a redelivery is not. */
@ExtendWith(LabExtension.class)
class DynamoDbEventLedgerIT {

  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  private static final Duration RETENTION = Duration.ofHours(24);

  // The extension must run after LabExtension, which brings the emulator up.
  @RegisterExtension
  static final StateTableFixture STATE = new StateTableFixture();

  @Test
  void givenAnEvent_whenDeliveredTwice_thenOnlyTheFirstIsNewAndTheItemCarriesItsTtl() {
    DynamoDbEventLedger events = new DynamoDbEventLedger(STATE.dynamo(), STATE.table());
    String id = "7bf73129-1428-4cd3-a780-95db273d1602";

    assertTrue(events.markProcessed("main", id, T0, RETENTION));
    assertFalse(events.markProcessed("main", id, T0.plusSeconds(3), RETENTION));
    // The same id in another cluster is another event.
    assertTrue(events.markProcessed("other", id, T0.plusSeconds(3), RETENTION));

    Map<String, AttributeValue> item = STATE.dynamo().getItem(r -> r.tableName(STATE.table()).consistentRead(true).key(Map.of(
        StateTable.PK, AttributeValue.fromS("CLUSTER#main"), StateTable.SK, AttributeValue.fromS("EVENT#" + id)))).item();
    assertEquals(Long.toString(T0.plus(RETENTION).getEpochSecond()), item.get(StateTable.TTL).n());
  }

  @Test
  void givenARecordPastItsTtlThatDynamoDbHasNotDeletedYet_whenTheIdComesAgain_thenItIsNewAgain() {
    DynamoDbEventLedger events = new DynamoDbEventLedger(STATE.dynamo(), STATE.table());
    String id = Emulator.unique("event");
    events.markProcessed("main", id, T0, RETENTION);

    assertFalse(events.markProcessed("main", id, T0.plus(RETENTION).minusSeconds(1), RETENTION));
    assertTrue(events.markProcessed("main", id, T0.plus(RETENTION), RETENTION));
  }

  @Test
  void givenAnEventWhoseHandlingFailed_whenForgotten_thenTheRedeliveryIsNew() {
    DynamoDbEventLedger events = new DynamoDbEventLedger(STATE.dynamo(), STATE.table());
    String id = Emulator.unique("event");
    events.markProcessed("main", id, T0, RETENTION);

    events.forget("main", id);

    assertTrue(events.markProcessed("main", id, T0.plusSeconds(1), RETENTION));
  }
}

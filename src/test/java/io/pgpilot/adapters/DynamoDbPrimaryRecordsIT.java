package io.pgpilot.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.Lsn;
import io.pgpilot.core.PrimaryRecord;
import io.pgpilot.core.ports.PrimaryRecords;
import io.pgpilot.lab.LabExtension;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The primary record in the state table: written forward in time only, by the same database only, read back whole. */
@ExtendWith(LabExtension.class)
class DynamoDbPrimaryRecordsIT {

  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  private static final String DATABASE = "7300000000000000001";

  // The extension must run after LabExtension, which brings the emulator up.
  @RegisterExtension
  static final StateTableFixture STATE = new StateTableFixture();

  private final DynamoDbPrimaryRecords records = new DynamoDbPrimaryRecords(STATE.dynamo(), STATE.table());

  private static PrimaryRecord record(String cluster, String database, String position, Instant at) {
    return new PrimaryRecord(cluster, "pg1", database, 3, Lsn.parse(position), List.of("pg2", "pg3"),
        Map.of("pg2", Lsn.parse(position)), at);
  }

  @Test
  void givenNoRecord_whenTheFirstIsWritten_thenItReadsBackWhole() {
    String cluster = Emulator.unique("cluster");
    PrimaryRecord first = record(cluster, DATABASE, "0/3000060", T0);

    assertEquals(Optional.empty(), records.read(cluster));
    assertEquals(PrimaryRecords.Write.WRITTEN, records.write(first));
    assertEquals(Optional.of(first), records.read(cluster));
  }

  @Test
  void givenARecord_whenAnOlderObservationArrivesLate_thenTheNewerOneStays() {
    String cluster = Emulator.unique("cluster");
    PrimaryRecord newer = record(cluster, DATABASE, "0/4000000", T0.plusSeconds(5));
    records.write(newer);

    assertEquals(PrimaryRecords.Write.OLDER, records.write(record(cluster, DATABASE, "0/3000000", T0)));
    assertEquals(newer, records.read(cluster).orElseThrow());
    PrimaryRecord later = record(cluster, DATABASE, "0/4000100", T0.plusSeconds(6));
    assertEquals(PrimaryRecords.Write.WRITTEN, records.write(later));
    assertEquals(later, records.read(cluster).orElseThrow());
  }

  @Test
  void givenARecord_whenAnotherDatabaseIsSeenAsPrimary_thenTheRecordOfTheClustersDatabaseStays() {
    String cluster = Emulator.unique("cluster");
    PrimaryRecord ours = record(cluster, DATABASE, "0/3000000", T0);
    records.write(ours);

    assertEquals(PrimaryRecords.Write.OTHER_DATABASE,
        records.write(record(cluster, "7399999999999999999", "0/9000000", T0.plusSeconds(60))));
    assertEquals(ours, records.read(cluster).orElseThrow());
  }

  @Test
  void givenAnEmptyListOfSynchronousStandbys_whenWritten_thenItReadsBackEmpty() {
    String cluster = Emulator.unique("cluster");
    PrimaryRecord asynchronous = new PrimaryRecord(cluster, "pg1", DATABASE, 1, Lsn.parse("0/3000000"), List.of(),
        Map.of(), T0);

    records.write(asynchronous);

    assertEquals(asynchronous, records.read(cluster).orElseThrow());
  }

  @Test
  void givenAnItemEditedByHand_whenRead_thenAClearErrorThatSaysHowToRecoverNotAGuess() {
    String cluster = Emulator.unique("cluster");
    STATE.dynamo().putItem(r -> r.tableName(STATE.table()).item(Map.of(
        StateTable.PK, AttributeValue.fromS("CLUSTER#" + cluster), StateTable.SK, AttributeValue.fromS("PRIMARY"),
        "cluster", AttributeValue.fromS(cluster), "primary", AttributeValue.fromS("pg1"),
        "systemIdentifier", AttributeValue.fromS(DATABASE), "timeline", AttributeValue.fromN("1"),
        "position", AttributeValue.fromS("not-an-lsn"), "observedAt", AttributeValue.fromS(T0.toString()))));

    IllegalStateException error = assertThrows(IllegalStateException.class, () -> records.read(cluster));

    assertTrue(error.getMessage().contains("the primary record of cluster " + cluster + " in table "
        + STATE.table() + " cannot be read"), error.getMessage());
    assertTrue(error.getMessage().contains("delete the item (pk CLUSTER#" + cluster + ", sk PRIMARY)"),
        error.getMessage());
  }
}

package io.pgpilot.adapters;

import static io.pgpilot.adapters.StateTable.n;
import static io.pgpilot.adapters.StateTable.s;

import io.pgpilot.core.Lsn;
import io.pgpilot.core.PrimaryRecord;
import io.pgpilot.core.ports.PrimaryRecords;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;


/**
 * {@link PrimaryRecords} on the state table's PRIMARY item (see {@link StateTable}). One
 * conditional PutItem per write: a record replaces the stored one only when it was observed no
 * earlier and is of the same database, so two observers racing cannot move it back in time, and
 * a re-created database never silently takes over the identity of the old one.
 *
 * <p>Attributes: cluster, primary, systemIdentifier (S), timeline (N), position (S, an LSN),
 * syncStandbys (L of S), confirmed (M of S: standby to LSN), observedAt (S, ISO-8601),
 * observedAtMs (N, epoch millis).
 */
public final class DynamoDbPrimaryRecords implements PrimaryRecords {

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbPrimaryRecords(String table) {
        this(AwsClients.fromEnvironment(DynamoDbClient.builder()), table);
    }

    public DynamoDbPrimaryRecords(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = AwsClients.requireText(table, "state table name");
    }

    /**
     * @throws IllegalStateException when the stored item is not a record (edited by hand, another
     *         program's): pgpilot then acts on nothing until it is deleted, rather than on a guess
     */
    @Override
    public Optional<PrimaryRecord> read(String cluster) {
        Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(table)
                .key(StateTable.key(cluster, StateTable.PRIMARY)).consistentRead(true)).item();
        if (item == null || item.isEmpty()) {
            return Optional.empty();
        }
        try {
            Map<String, Lsn> confirmed = new LinkedHashMap<>();
            item.getOrDefault("confirmed", AttributeValue.fromM(Map.of())).m()
                    .forEach((standby, lsn) -> confirmed.put(standby, Lsn.parse(lsn.s())));
            List<String> sync = item.getOrDefault("syncStandbys", AttributeValue.fromL(List.of())).l().stream()
                    .map(AttributeValue::s).toList();
            return Optional.of(new PrimaryRecord(text(item, "cluster"), text(item, "primary"),
                    text(item, "systemIdentifier"), Integer.parseInt(item.get("timeline").n()),
                    Lsn.parse(text(item, "position")), sync, confirmed, Instant.parse(text(item, "observedAt"))));
        } catch (RuntimeException e) {
            throw new IllegalStateException("the primary record of cluster " + cluster + " in table " + table
                    + " cannot be read (" + e.getMessage() + "); pgpilot does not guess what its primary confirmed:"
                    + " delete the item (pk " + StateTable.partition(cluster) + ", sk " + StateTable.PRIMARY
                    + ") and the next observation of the primary records it anew", e);
        }
    }

    @Override
    public Write write(PrimaryRecord record) {
        Map<String, AttributeValue> item = new HashMap<>(StateTable.key(record.cluster(), StateTable.PRIMARY));
        item.put("cluster", s(record.cluster()));
        item.put("primary", s(record.primary()));
        item.put("systemIdentifier", s(record.systemIdentifier()));
        item.put("timeline", n(record.timeline()));
        item.put("position", s(record.position().toString()));
        item.put("syncStandbys", AttributeValue.fromL(record.syncStandbys().stream().map(StateTable::s).toList()));
        Map<String, AttributeValue> confirmed = new HashMap<>();
        record.confirmed().forEach((standby, lsn) -> confirmed.put(standby, s(lsn.toString())));
        item.put("confirmed", AttributeValue.fromM(confirmed));
        item.put("observedAt", s(record.at().toString()));
        item.put("observedAtMs", n(record.at().toEpochMilli()));
        try {
            dynamo.putItem(r -> r.tableName(table).item(item)
                    .conditionExpression("attribute_not_exists(#pk) OR (#at <= :at AND #sid = :sid)")
                    .expressionAttributeNames(Map.of("#pk", StateTable.PK, "#at", "observedAtMs",
                            "#sid", "systemIdentifier"))
                    .expressionAttributeValues(Map.of(":at", n(record.at().toEpochMilli()),
                            ":sid", s(record.systemIdentifier()))));
            return Write.WRITTEN;
        } catch (ConditionalCheckFailedException kept) {
            return read(record.cluster()).filter(stored -> !stored.systemIdentifier()
                    .equals(record.systemIdentifier())).isPresent() ? Write.OTHER_DATABASE : Write.OLDER;
        }
    }

    private static String text(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        if (value == null || value.s() == null) {
            throw new IllegalArgumentException("attribute " + name + " is missing or not a string");
        }
        return value.s();
    }
}

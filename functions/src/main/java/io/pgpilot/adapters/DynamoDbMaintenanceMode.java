package io.pgpilot.adapters;

import static io.pgpilot.adapters.StateTable.s;

import io.pgpilot.core.Maintenance;
import io.pgpilot.core.ports.MaintenanceMode;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * {@link MaintenanceMode} on the state table's PAUSE item (see {@link StateTable}): since, by and until
 * (ISO-8601 strings; no until: paused until resumed). A pause past its end is no pause; its item
 * stays until the next pause or resume replaces it.
 */
public final class DynamoDbMaintenanceMode implements MaintenanceMode {

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbMaintenanceMode(String table) {
        this(AwsClients.fromEnvironment(DynamoDbClient.builder()), table);
    }

    public DynamoDbMaintenanceMode(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = AwsClients.requireText(table, "state table name");
    }

    /**
     * @throws IllegalStateException when the stored item is not a pause (edited by hand): pgpilot
     *         then holds every change, as a pause would, until it is deleted or replaced
     */
    @Override
    public Optional<Maintenance> current(String cluster, Instant now) {
        Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(table)
                .key(StateTable.key(cluster, StateTable.PAUSE)).consistentRead(true)).item();
        if (item == null || item.isEmpty()) {
            return Optional.empty();
        }
        Maintenance pause;
        try {
            AttributeValue until = item.get("until");
            pause = new Maintenance(Instant.parse(item.get("since").s()), item.get("by").s(),
                    until == null ? null : Instant.parse(until.s()));
        } catch (RuntimeException e) {
            throw new IllegalStateException("the pause of cluster " + cluster + " in table " + table + " cannot be read ("
                    + e.getMessage() + "): resume the cluster (pgpilot ctl resume) or pause it again", e);
        }
        return pause.holdsAt(now) ? Optional.of(pause) : Optional.empty();
    }

    @Override
    public void pause(String cluster, Maintenance pause) {
        Map<String, AttributeValue> item = new HashMap<>(StateTable.key(cluster, StateTable.PAUSE));
        item.put("since", s(pause.since().toString()));
        item.put("by", s(pause.by()));
        if (pause.until() != null) {
            item.put("until", s(pause.until().toString()));
        }
        dynamo.putItem(r -> r.tableName(table).item(item));
    }

    @Override
    public boolean resume(String cluster, Instant now) {
        boolean held;
        try {
            held = current(cluster, now).isPresent();
        } catch (IllegalStateException unreadable) {
            held = true;
        }
        try {
            dynamo.deleteItem(r -> r.tableName(table).key(StateTable.key(cluster, StateTable.PAUSE))
                    .conditionExpression("attribute_exists(#pk)")
                    .expressionAttributeNames(Map.of("#pk", StateTable.PK)));
        } catch (ConditionalCheckFailedException none) {
            return false;
        }
        return held;
    }
}

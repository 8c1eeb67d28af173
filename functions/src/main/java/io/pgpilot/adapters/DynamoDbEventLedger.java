package io.pgpilot.adapters;

import static io.pgpilot.adapters.StateTable.n;
import static io.pgpilot.adapters.StateTable.s;

import io.pgpilot.core.ports.EventLedger;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;


/**
 * Event ids already handled, on the state table's EVENT# items (see {@link StateTable}).
 * EventBridge delivers at least once; a put-if-absent on the event id lets a redelivery see that
 * the first delivery took it. Items expire through DynamoDB TTL.
 */
public final class DynamoDbEventLedger implements EventLedger {

    private static final int MAX_EVENT_ID = 512;

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbEventLedger(String table) {
        this(AwsClients.fromEnvironment(DynamoDbClient.builder()), table);
    }

    public DynamoDbEventLedger(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = AwsClients.requireText(table, "state table name");
    }

    /**
     * Records {@code eventId} for {@code retention}; true when this is its first delivery, false
     * when an earlier delivery recorded it and its record has not run out.
     */
    @Override
    public boolean markProcessed(String cluster, String eventId, Instant now, Duration retention) {
        requireEventId(eventId);
        if (retention == null || retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException("retention of processed events must be positive, was " + retention);
        }
        Map<String, AttributeValue> item = new HashMap<>(StateTable.key(cluster, StateTable.EVENT + eventId));
        item.put(StateTable.TTL, n(now.plus(retention).getEpochSecond()));
        item.put("processedAt", s(now.toString()));
        try {
            dynamo.putItem(r -> r.tableName(table).item(item)
                    // TTL deletes late, so a record past its time counts as absent already.
                    .conditionExpression("attribute_not_exists(#pk) OR #ttl <= :now")
                    .expressionAttributeNames(Map.of("#pk", StateTable.PK, "#ttl", StateTable.TTL))
                    .expressionAttributeValues(Map.of(":now", n(now.getEpochSecond()))));
            return true;
        } catch (ConditionalCheckFailedException seen) {
            return false;
        }
    }

    /** Removes the record, so that a redelivery is handled again: for an event whose handling failed. */
    @Override
    public void forget(String cluster, String eventId) {
        requireEventId(eventId);
        dynamo.deleteItem(r -> r.tableName(table).key(StateTable.key(cluster, StateTable.EVENT + eventId)));
    }

    private static void requireEventId(String eventId) {
        AwsClients.requireText(eventId, "event id");
        if (eventId.length() > MAX_EVENT_ID) {
            throw new IllegalArgumentException("event id is " + eventId.length() + " characters; at most "
                    + MAX_EVENT_ID + " fit in the table's sort key");
        }
    }
}

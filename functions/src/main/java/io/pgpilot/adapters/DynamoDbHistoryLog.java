package io.pgpilot.adapters;

import static io.pgpilot.adapters.StateTable.n;
import static io.pgpilot.adapters.StateTable.s;

import io.pgpilot.core.Step;
import io.pgpilot.core.ports.HistoryEntry;
import io.pgpilot.core.ports.HistoryLog;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;


/**
 * The record of every transition a cluster went through, on the state table's HISTORY# items
 * (see {@link StateTable}): what was decided, why, the steps, and how long each phase took.
 * Entries are only ever added; an entry is never overwritten.
 */
public final class DynamoDbHistoryLog implements HistoryLog {

    /** Fixed width, so that the sort key's text order is time order. */
    private static final DateTimeFormatter SORTABLE =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);


    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbHistoryLog(String table) {
        this(AwsClients.fromEnvironment(DynamoDbClient.builder()), table);
    }

    public DynamoDbHistoryLog(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = AwsClients.requireText(table, "state table name");
    }

    /** The steps as the history keeps them: one line each, as the core prints them. */
    public static List<String> describe(List<Step> steps) {
        return steps.stream().map(Step::toString).toList();
    }

    @Override
    public void append(HistoryEntry entry) {
        Map<String, AttributeValue> item = new HashMap<>(StateTable.key(entry.cluster(), sortKey(entry)));
        item.put("startedAt", s(entry.startedAt().toString()));
        item.put("leaseEpoch", n(entry.leaseEpoch()));
        item.put("outcome", s(entry.outcome()));
        if (entry.primary() != null) {
            item.put("primary", s(entry.primary()));
        }
        item.put("reason", s(entry.reason()));
        item.put("steps", AttributeValue.fromL(entry.steps().stream().map(StateTable::s).toList()));
        // A list, not a map: DynamoDB maps forget their order, and phases read in order.
        List<AttributeValue> phases = new ArrayList<>();
        entry.phases().forEach((phase, took) -> phases.add(AttributeValue.fromM(
                Map.of("phase", s(phase), "millis", n(took.toMillis())))));
        item.put("phases", AttributeValue.fromL(phases));
        dynamo.putItem(r -> r.tableName(table).item(item)
                .conditionExpression("attribute_not_exists(#sk)")
                .expressionAttributeNames(Map.of("#sk", StateTable.SK)));
    }

    /** The cluster's latest entries, newest first. */
    @Override
    public List<HistoryEntry> recent(String cluster, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
        return dynamo.query(r -> r.tableName(table)
                        .keyConditionExpression("#pk = :pk AND begins_with(#sk, :history)")
                        .expressionAttributeNames(Map.of("#pk", StateTable.PK, "#sk", StateTable.SK))
                        .expressionAttributeValues(Map.of(":pk", s(StateTable.partition(cluster)),
                                ":history", s(StateTable.HISTORY)))
                        .scanIndexForward(false)
                        .limit(limit))
                .items().stream().map(item -> entry(cluster, item)).toList();
    }

    private static String sortKey(HistoryEntry entry) {
        return StateTable.HISTORY + SORTABLE.format(entry.startedAt()) + "#" + String.format("%019d", entry.leaseEpoch());
    }

    private static HistoryEntry entry(String cluster, Map<String, AttributeValue> item) {
        Map<String, Duration> phases = new LinkedHashMap<>();
        item.get("phases").l().forEach(phase -> phases.put(phase.m().get("phase").s(),
                Duration.ofMillis(Long.parseLong(phase.m().get("millis").n()))));
        AttributeValue primary = item.get("primary");
        return new HistoryEntry(cluster, Instant.parse(item.get("startedAt").s()), Long.parseLong(item.get("leaseEpoch").n()),
                item.get("outcome").s(), primary == null ? null : primary.s(), item.get("reason").s(),
                item.get("steps").l().stream().map(AttributeValue::s).toList(), phases);
    }
}

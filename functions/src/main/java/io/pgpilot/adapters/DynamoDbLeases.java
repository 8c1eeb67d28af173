package io.pgpilot.adapters;

import static io.pgpilot.adapters.StateTable.n;
import static io.pgpilot.adapters.StateTable.s;

import io.pgpilot.core.ports.Lease;
import io.pgpilot.core.ports.Leases;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

/**
 * {@link Leases} on the state table's LEASE item (see {@link StateTable}): every change is one
 * conditional UpdateItem, so two invocations racing for the lease cannot both win.
 * Attributes: owner (S), leaseExpiresAt (N, epoch millis; 0 once released), epoch (N), and the
 * holder before the current one as a grant found it: previousOwner (S), previousExpiresAt (N; 0
 * when it released the lease, so a positive one is a run that never finished).
 */
public final class DynamoDbLeases implements Leases {

    private static final String OWNER = "owner";
    private static final String EXPIRES = "leaseExpiresAt";
    private static final String EPOCH = "epoch";
    private static final String BEFORE = "previousOwner";
    private static final String BEFORE_EXPIRES = "previousExpiresAt";
    private static final Map<String, String> NAMES = Map.of("#pk", StateTable.PK, "#owner", OWNER,
            "#expires", EXPIRES, "#epoch", EPOCH, "#before", BEFORE, "#beforeExpires", BEFORE_EXPIRES);

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbLeases(String table) {
        this(AwsClients.fromEnvironment(DynamoDbClient.builder()), table);
    }

    public DynamoDbLeases(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = AwsClients.requireText(table, "state table name");
    }

    @Override
    public Optional<Lease> tryAcquire(String cluster, String owner, Duration duration, Instant now) {
        AwsClients.requireText(owner, "lease owner");
        Instant expires = expiry(duration, now);
        try {
            Map<String, AttributeValue> item = dynamo.updateItem(r -> r.tableName(table)
                    .key(StateTable.key(cluster, StateTable.LEASE))
                    // ADD starts a missing epoch at 0, so the first grant is epoch 1. The holder before is kept
                    // (the right-hand sides read the item as it was), to tell whether it released.
                    .updateExpression("SET #before = if_not_exists(#owner, :none),"
                            + " #beforeExpires = if_not_exists(#expires, :zero), #owner = :owner, #expires = :expires"
                            + " ADD #epoch :one")
                    .conditionExpression("attribute_not_exists(#pk) OR #expires <= :now")
                    .expressionAttributeNames(NAMES)
                    .expressionAttributeValues(Map.of(":owner", s(owner), ":expires", n(expires.toEpochMilli()),
                            ":one", n(1), ":now", n(now.toEpochMilli()), ":none", s("(none)"), ":zero", n(0)))
                    .returnValues(ReturnValue.ALL_NEW)).attributes();
            return Optional.of(granted(cluster, item));
        } catch (ConditionalCheckFailedException held) {
            return Optional.empty();
        }
    }

    /** A lease the table has just granted, with its predecessor when that one never released it. */
    private static Lease granted(String cluster, Map<String, AttributeValue> item) {
        Lease lease = lease(cluster, item);
        AttributeValue before = item.get(BEFORE);
        AttributeValue beforeExpires = item.get(BEFORE_EXPIRES);
        if (before == null || beforeExpires == null || Long.parseLong(beforeExpires.n()) == 0) {
            return lease;
        }
        return new Lease(cluster, lease.owner(), lease.epoch(), lease.expiresAt(), new Lease.Predecessor(before.s(),
                lease.epoch() - 1, Instant.ofEpochMilli(Long.parseLong(beforeExpires.n()))));
    }

    @Override
    public Optional<Lease> renew(Lease lease, Duration duration, Instant now) {
        Instant expires = expiry(duration, now);
        try {
            dynamo.updateItem(r -> r.tableName(table)
                    .key(StateTable.key(lease.cluster(), StateTable.LEASE))
                    .updateExpression("SET #expires = :expires")
                    .conditionExpression("#owner = :owner AND #epoch = :epoch AND #expires > :now")
                    .expressionAttributeNames(Map.of("#owner", OWNER, "#epoch", EPOCH, "#expires", EXPIRES))
                    .expressionAttributeValues(Map.of(":owner", s(lease.owner()), ":epoch", n(lease.epoch()),
                            ":expires", n(expires.toEpochMilli()), ":now", n(now.toEpochMilli()))));
            return Optional.of(new Lease(lease.cluster(), lease.owner(), lease.epoch(), expires));
        } catch (ConditionalCheckFailedException lost) {
            return Optional.empty();
        }
    }

    @Override
    public boolean release(Lease lease, Instant now) {
        try {
            // The item stays, expired, with its epoch: deleting it would let the epoch restart at 1.
            dynamo.updateItem(r -> r.tableName(table)
                    .key(StateTable.key(lease.cluster(), StateTable.LEASE))
                    .updateExpression("SET #expires = :zero")
                    .conditionExpression("#owner = :owner AND #epoch = :epoch")
                    .expressionAttributeNames(Map.of("#owner", OWNER, "#epoch", EPOCH, "#expires", EXPIRES))
                    .expressionAttributeValues(Map.of(":owner", s(lease.owner()), ":epoch", n(lease.epoch()),
                            ":zero", n(0))));
            return true;
        } catch (ConditionalCheckFailedException notOurs) {
            return false;
        }
    }

    @Override
    public Optional<Lease> holder(String cluster, Instant now) {
        Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(table)
                .key(StateTable.key(cluster, StateTable.LEASE)).consistentRead(true)).item();
        if (item == null || item.isEmpty()) {
            return Optional.empty();
        }
        Lease lease = lease(cluster, item);
        return lease.expiredAt(now) ? Optional.empty() : Optional.of(lease);
    }

    private static Instant expiry(Duration duration, Instant now) {
        if (duration == null || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("lease duration must be positive, was " + duration);
        }
        if (now == null) {
            throw new IllegalArgumentException("the time now is missing (null)");
        }
        return now.plus(duration);
    }

    private static Lease lease(String cluster, Map<String, AttributeValue> item) {
        return new Lease(cluster, item.get(OWNER).s(), Long.parseLong(item.get(EPOCH).n()),
                Instant.ofEpochMilli(Long.parseLong(item.get(EXPIRES).n())));
    }
}

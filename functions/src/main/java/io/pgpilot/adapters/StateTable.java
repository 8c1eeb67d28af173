package io.pgpilot.adapters;

import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * pgpilot's one DynamoDB table: the lease, the processed events and the history of every cluster.
 *
 * <pre>
 * pk (S, partition key)   sk (S, sort key)                          item
 * CLUSTER#{cluster}       LEASE                                     the cluster's lease: owner, leaseExpiresAt, epoch
 * CLUSTER#{cluster}       PRIMARY                                   the primary as last seen: position, synchronous
 *                                                                   standbys, confirmed positions, system identifier
 * CLUSTER#{cluster}       PAUSE                                     maintenance mode: since, by, until (optional)
 * CLUSTER#{cluster}       EVENT#{eventId}                           an event already handled; ttl
 * CLUSTER#{cluster}       HISTORY#{yyyy-MM-ddTHH:mm:ss.nnnnnnnnnZ}#{epoch}  one transition, its steps and phase timings
 * </pre>
 *
 * One partition per cluster keeps everything about a cluster in one Query and costs nothing at
 * this volume (a few writes per event). The history sort key is fixed-width UTC time, so sort
 * order is time order and "newest first" is a Query with ScanIndexForward=false.
 *
 * <p>Table settings: on-demand capacity, TTL enabled on {@link #TTL} (epoch seconds). Only
 * event items carry it. The lease item never expires or is deleted: its epoch must only grow; nor
 * does the primary record: it is the cluster's identity and its last known position.
 */
public final class StateTable {

    public static final String PK = "pk";
    public static final String SK = "sk";
    /** DynamoDB TTL attribute, epoch seconds; TTL deletes lazily (up to days late), so readers check it too. */
    public static final String TTL = "ttl";

    static final String LEASE = "LEASE";
    static final String PRIMARY = "PRIMARY";
    static final String PAUSE = "PAUSE";
    static final String EVENT = "EVENT#";
    static final String HISTORY = "HISTORY#";

    private StateTable() {
    }

    static String partition(String cluster) {
        return "CLUSTER#" + AwsClients.requireText(cluster, "cluster name");
    }

    static Map<String, AttributeValue> key(String cluster, String sortKey) {
        return Map.of(PK, s(partition(cluster)), SK, s(sortKey));
    }

    static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}

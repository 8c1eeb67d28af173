package io.pgpilot.core;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a pgpool-II instance reports when it detaches a backend: its {@code failover_command}
 * publishes this as a custom EventBridge event (source {@value #SOURCE}, detail-type
 * {@value #DETAIL_TYPE}) and promotes nothing. A sensor reading, never a decision: it starts the
 * same confirmation (probe rounds) and plan as the monitor, and nothing is done on its word alone.
 *
 * <p>Everything in it comes from a host and is untrusted: every field is checked here, before
 * anything is looked up or logged unquoted, and a report that fails a check is refused with the
 * reason ({@link #read}).
 *
 * @param cluster the pgpilot cluster the reporting pgpool serves: must be the one reading it
 * @param node    the backend pgpool detached, as pgpool names it (backend_hostname): a pgpilot node name
 * @param address the address pgpool resolved it to, or null when it did not say
 * @param pgpool  the reporting pgpool host's pgpilot:name
 * @param reason  why pgpool detached it, a short token: "detached" when pgpool does not say
 *                (its failover_command is not told whether a health check or a session's error
 *                was the cause), or "health-check", "session-error", "shutdown"...
 */
public record PgpoolReport(String cluster, String node, String address, String pgpool, String reason) {

    public static final String SOURCE = "pgpilot.pgpool";
    public static final String DETAIL_TYPE = "pgpool backend down";

    /** What a pgpilot cluster may be called (the CDK's and ClusterConfig's rule). */
    private static final Pattern CLUSTER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final Pattern REASON = Pattern.compile("[a-z][a-z0-9-]{0,31}");
    /** Node and pgpool names: one RFC 1123 label, as pgpilot:name tags are. */
    private static final int NAME_LENGTH = 63;

    /** A report read from an event's detail, or why it was refused. */
    public sealed interface Reading {
    }

    /** A report that may start a confirmation. */
    public record Accepted(PgpoolReport report) implements Reading {
    }

    /** A report that is not acted on, and why: nothing is looked up or done for it. */
    public record Refused(String why) implements Reading {
    }

    public PgpoolReport {
        Checks.notNull(cluster, "cluster");
        if (!CLUSTER.matcher(cluster).matches()) {
            throw new IllegalArgumentException("cluster " + Checks.quote(cluster) + " is not a pgpilot cluster name");
        }
        name(node, "node");
        name(pgpool, "pgpool");
        if (address != null) {
            HostNames.requireAddress(address, "address of " + node);
        }
        Checks.notNull(reason, "reason");
        if (!REASON.matcher(reason).matches()) {
            throw new IllegalArgumentException("reason " + Checks.quote(reason) + " is not a short token (lower-case"
                    + " letters, digits and hyphens, at most 32)");
        }
    }

    private static void name(String value, String what) {
        HostNames.requireHostName(value, what);
        if (value.length() > NAME_LENGTH || value.indexOf('.') >= 0) {
            throw new IllegalArgumentException(what + " " + Checks.quote(value) + " is not a pgpilot:name (one host"
                    + " name label, at most " + NAME_LENGTH + " characters)");
        }
    }

    /**
     * The report in an event's {@code detail}, for cluster {@code expected}; refused with the reason
     * when a field is missing, not text or malformed, or when it is another cluster's (forged, or
     * routed here by mistake). Fields other than these are ignored.
     */
    public static Reading read(Map<String, ?> detail, String expected) {
        Checks.notNull(expected, "cluster reading the report");
        if (detail == null) {
            return new Refused("a pgpool report without a detail");
        }
        try {
            String cluster = text(detail, "cluster", true);
            if (!expected.equals(cluster)) {
                return new Refused("a pgpool report for cluster " + Checks.quote(cluster) + ", not " + expected
                        + ": forged, or routed here by mistake; nothing done");
            }
            return new Accepted(new PgpoolReport(cluster, text(detail, "node", true), text(detail, "address", false),
                    text(detail, "pgpool", true), text(detail, "reason", true)));
        } catch (IllegalArgumentException e) {
            return new Refused("a malformed pgpool report: " + e.getMessage() + "; nothing done");
        }
    }

    private static String text(Map<String, ?> detail, String key, boolean required) {
        Object value = detail.get(key);
        if (value == null || value instanceof String text && text.isEmpty() && !required) {
            if (required) {
                throw new IllegalArgumentException("it has no " + key);
            }
            return null;
        }
        if (!(value instanceof String text)) {
            throw new IllegalArgumentException(key + " is not text (found " + Checks.quote(value) + ")");
        }
        return text;
    }

    /**
     * The event ledger's key under which reports of this node are coalesced: ten sessions of one
     * pgpool, or several pgpools, reporting one failure start one run.
     */
    public String coalescingKey() {
        return "pgpool-report#" + node;
    }

    /** For the log, the history and the run's trigger: "pgpool pgpool-1a2b reports pg1 (10.0.1.11) down: detached". */
    public String describe() {
        return "pgpool " + pgpool + " reports " + node + (address == null ? "" : " (" + address + ")") + " down: "
                + reason;
    }
}

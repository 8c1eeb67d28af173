package io.pgpilot.core;

import java.util.List;

/**
 * What a run is asked to bring about. The planner decides how from what it sees; the plan runner
 * runs what it decides. A request that converges is planned again after each plan, from a fresh
 * look, until nothing is left to do (or a step failed and the planner cannot carry on).
 */
public sealed interface Request {

    /** Whether the runner plans again after each plan (and after a failed step) until a no-op. */
    default boolean converges() {
        return false;
    }

    /** What the run is, for the log and the history. */
    String describe();

    /**
     * Replace a failed primary, once its failure is confirmed, or converge the cluster on the one
     * primary. {@code forced}: an operator's explicit choice to promote beyond the safety rules.
     */
    record Failover(boolean forced) implements Request {

        @Override
        public String describe() {
            return forced ? "forced failover" : "failover";
        }
    }

    /** A planned switchover to {@code target}, with no acknowledged commit lost, and the old primary's rejoin. */
    record Switchover(String target) implements Request {

        public Switchover {
            Checks.notNull(target, "switchover target");
        }

        @Override
        public boolean converges() {
            return true;
        }

        @Override
        public String describe() {
            return "switchover to " + target;
        }
    }

    /** {@code node}, out of service (tagged rebuild), runs again: it rejoins as a standby of the primary. */
    record Rejoin(String node) implements Request {

        public Rejoin {
            Checks.notNull(node, "node to rejoin");
        }

        @Override
        public boolean converges() {
            return true;
        }

        @Override
        public String describe() {
            return "rejoin of " + node;
        }
    }

    /**
     * A sensor (pgpool-II) reported {@code node} down: the failover as the monitor would run it,
     * confirmed by probing; and when there is no failure to act on and {@code node} is in service,
     * it is re-attached in every pgpool, which detached it on its own word. {@code reportedBy} names
     * the report in the plan's reason.
     */
    record Reported(String node, String reportedBy) implements Request {

        public Reported {
            Checks.notNull(node, "node reported down");
            Checks.notNull(reportedBy, "who reported " + node + " down");
        }

        @Override
        public String describe() {
            return "check of " + node + ", reported down by " + reportedBy;
        }
    }

    /**
     * A pgBackRest base backup into the cluster's WAL archive: {@code type} full, diff or incr.
     * Taken from a standby when one streams (see {@link BackupPlanner}), so the primary only starts
     * and stops it.
     */
    record Backup(String type) implements Request {

        /** pgBackRest's backup types: full, diff (since the last full), incr (since the last backup). */
        public static final List<String> TYPES = List.of("full", "diff", "incr");

        public Backup {
            Checks.notNull(type, "backup type");
            if (!TYPES.contains(type)) {
                throw new IllegalArgumentException("backup type " + Checks.quote(type) + ": expected full, diff or incr");
            }
        }

        @Override
        public String describe() {
            return type + " backup";
        }
    }

    /** Publish the hosts map of the tags as they are (and the DNS record): an instance runs again. */
    record PublishHosts() implements Request {

        @Override
        public String describe() {
            return "publishing the hosts map";
        }
    }
}

package io.pgpilot.core;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One action of a plan. Every step is idempotent, so a run that died part-way can be repeated;
 * the plan runner executes the steps in order, renewing the cluster lease before each, and stops
 * at the first that fails. Every step type has exactly one executor (a test proves it).
 */
public sealed interface Step {

    /** The phase of a transition a step belongs to, for the history, the metrics and the drill's chart. */
    enum Phase {
        FENCE, PROMOTE, REPOINT, ROUTING, CATCHUP, REJOIN, COMPLETION;

        /** As the metrics and the history name it: "fence", "catchup"... */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Where this step's time goes. */
    default Phase phase() {
        return Phase.COMPLETION;
    }

    /** Make sure {@code node} cannot accept writes; done before anything is promoted. */
    record Fence(String node, How how) implements Step {

        public enum How {
            /**
             * StopInstances (forced), done once EC2 reports the instance stopped: works whether or not
             * the host answers, and until it is stopped it may still acknowledge commits (an EC2
             * instance spends tens of seconds in stopping), so nothing is promoted before.
             */
            STOP_INSTANCE,
            /**
             * StopInstances (forced), done once EC2 accepts it: for a primary that can no longer
             * acknowledge a commit by itself (synchronous replication, and no standby left that could
             * confirm one), so the promotion need not wait for the instance to stop.
             */
            STOP_INSTANCE_UNAWAITED,
            /** Stop PostgreSQL through SSM and block its restart: stops writes at once on a host that answers. */
            STOP_POSTGRES;

            /** Whether this fence stops the node's EC2 instance (rather than PostgreSQL on it). */
            public boolean stopsInstance() {
                return this != STOP_POSTGRES;
            }
        }

        public Fence {
            Checks.notNull(node, "node to fence");
            Checks.notNull(how, "how to fence " + node);
        }

        @Override
        public Phase phase() {
            return Phase.FENCE;
        }
    }

    /**
     * Lift pgpilot's fence of {@code node} (its PostgreSQL may start again; it is not started):
     * the first step of a rejoin.
     */
    record Unfence(String node) implements Step {

        public Unfence {
            Checks.notNull(node, "node to unfence");
        }

        @Override
        public Phase phase() {
            return Phase.REJOIN;
        }
    }

    /**
     * Wait, bounded, until {@code target} has replayed all that {@code primary} had written: with
     * the target as the primary's only synchronous standby, every acknowledged commit is then on it.
     */
    record AwaitCatchUp(String target, String primary) implements Step {

        public AwaitCatchUp {
            Checks.notNull(target, "standby to wait for");
            Checks.notNull(primary, "primary to catch up with");
        }

        @Override
        public Phase phase() {
            return Phase.CATCHUP;
        }
    }

    /** pg_promote() on {@code node}, then wait until it is writable. */
    record Promote(String node) implements Step {

        public Promote {
            Checks.notNull(node, "node to promote");
        }

        @Override
        public Phase phase() {
            return Phase.PROMOTE;
        }
    }

    /** Point the standby's primary_conninfo at {@code upstream} (timeline latest) and restart its WAL receiver. */
    record Repoint(String node, String upstream) implements Step {

        public Repoint {
            Checks.notNull(node, "node to re-point");
            Checks.notNull(upstream, "new upstream of " + node);
            if (node.equals(upstream)) {
                throw new IllegalArgumentException(node + " cannot stream from itself");
            }
        }

        @Override
        public Phase phase() {
            return Phase.REPOINT;
        }
    }

    /**
     * Set synchronous_standby_names on {@code primary} to the standbys that can satisfy it, in
     * priority order. Empty means asynchronous, so a lost synchronous standby never stops writes.
     */
    record SetSyncStandbys(String primary, List<String> standbys) implements Step {

        public SetSyncStandbys {
            Checks.notNull(primary, "primary");
            standbys = distinctNodes(standbys, primary, "synchronous standbys");
        }

        @Override
        public Phase phase() {
            return Phase.REPOINT;
        }

        /** The setting's value: FIRST 1 waits for the first connected standby of the list. */
        public String setting() {
            if (standbys.isEmpty()) {
                return "";
            }
            return standbys.stream().map(name -> '"' + name + '"')
                    .collect(Collectors.joining(", ", "FIRST 1 (", ")"));
        }
    }

    /** Rewrite the managed /etc/hosts block on every host of the cluster (one SSM command to all of them). */
    record PublishHosts(Map<String, String> hosts) implements Step {

        public PublishHosts {
            hosts = Checks.orderedMap(hosts, "hosts to publish");
            if (!hosts.containsKey(Topology.PRIMARY_ALIAS)) {
                throw new IllegalArgumentException("a published hosts map must name " + Topology.PRIMARY_ALIAS);
            }
        }

        @Override
        public Phase phase() {
            return Phase.ROUTING;
        }
    }

    /** UPSERT the private Route 53 record {@code name} to {@code address}. */
    record UpdateDnsRecord(String name, String address) implements Step {

        public UpdateDnsRecord {
            HostNames.requireHostName(name, "DNS record name");
            HostNames.requireAddress(address, "address of " + name);
        }

        @Override
        public Phase phase() {
            return Phase.ROUTING;
        }
    }

    /**
     * Tell every pgpool that {@code primary} is its primary, right after the promotion, unless a
     * pgpool found it already: pgpool searches for a new primary only for a few seconds after it
     * detached the old one, and writes through it come back only once it knows. Only this node is
     * looked at, so a backend that is down (the old primary) costs nothing here; the full
     * {@link SetPgpoolBackends} follows once the cluster is re-pointed.
     */
    record TellPgpoolPrimary(String primary) implements Step {

        public TellPgpoolPrimary {
            Checks.notNull(primary, "primary");
        }

        @Override
        public Phase phase() {
            return Phase.ROUTING;
        }
    }

    /**
     * Tell the pgpool fleet which backend takes writes and which take reads; every pgpool then
     * re-attaches each backend it shows down whose PostgreSQL answers it. With {@code reattach}, a
     * node pgpool detached on its own word (a sensor's report pgpilot did not confirm): each pgpool
     * also waits, bounded, until it can reach that node again and re-attaches it then, so that a
     * blip between one pgpool and the node ends when the path returns.
     *
     * @param reattach null, or the node to wait for and re-attach in every pgpool
     */
    record SetPgpoolBackends(String primary, List<String> standbys, String reattach) implements Step {

        public SetPgpoolBackends {
            Checks.notNull(primary, "primary");
            standbys = distinctNodes(standbys, primary, "pgpool standbys");
            if (reattach != null && !reattach.equals(primary) && !standbys.contains(reattach)) {
                throw new IllegalArgumentException("pgpool can re-attach only a node in service (" + primary + ", "
                        + standbys + "), not " + reattach);
            }
        }

        public SetPgpoolBackends(String primary, List<String> standbys) {
            this(primary, standbys, null);
        }

        /** As a record prints itself, without the re-attach when there is none: the log of every plan stays as it was. */
        @Override
        public String toString() {
            return "SetPgpoolBackends[primary=" + primary + ", standbys=" + standbys
                    + (reattach == null ? "" : ", reattach=" + reattach) + "]";
        }

        @Override
        public Phase phase() {
            return Phase.ROUTING;
        }
    }

    /**
     * Write the pgpilot:role tags. Demotions come first in the map and the promotion last, so an
     * interrupted retag never leaves two instances tagged primary. Always the last step of a plan:
     * the tags record that the transition completed.
     */
    record RetagInstances(Map<String, Role> roles) implements Step {

        public RetagInstances {
            roles = Checks.orderedMap(roles, "roles");
            if (roles.isEmpty()) {
                throw new IllegalArgumentException("nothing to retag");
            }
        }
    }

    /**
     * {@code node} is out of service and must be re-cloned from {@code upstream} before it rejoins
     * (the seed: "set up a new downstream standby"). Recorded and announced now; it can only run
     * once the instance is running again. With {@code rewind}, pg_rewind is tried before a base
     * backup. A rebuild that does not end with the node streaming leaves it fenced, so that an old
     * primary never starts as a second one.
     */
    record RebuildStandby(String node, String upstream, boolean rewind) implements Step {

        public RebuildStandby {
            Checks.notNull(node, "node to rebuild");
            Checks.notNull(upstream, "upstream to rebuild " + node + " from");
        }

        /** With pg_rewind first: what every rebuild pgpilot plans does. */
        public RebuildStandby(String node, String upstream) {
            this(node, upstream, true);
        }
    }

    /**
     * FailoverDBCluster with {@code target} as the new writer of an Aurora DB cluster, then wait
     * until RDS reports it the writer. Idempotent: when {@code target} already is the writer
     * nothing is called. Aurora needs no fence, re-point, hosts map or retag: its storage is one
     * volume and its endpoints follow the writer.
     *
     * @param from the writer it replaces, for the record
     */
    record FailoverDbCluster(String clusterId, String from, String target) implements Step {

        public FailoverDbCluster {
            Checks.notNull(clusterId, "DB cluster identifier");
            Checks.notNull(from, "writer to fail over from");
            Checks.notNull(target, "reader to fail over to");
            if (from.equals(target)) {
                throw new IllegalArgumentException("cannot fail over from " + from + " to itself");
            }
        }

        @Override
        public Phase phase() {
            return Phase.PROMOTE;
        }
    }

    /**
     * Start a pgBackRest backup of {@code type} on {@code node} (pgpilot-Backup), without awaiting
     * its end: a full backup outlasts any run. From a standby ({@code node} is not {@code primary})
     * the standby's files are copied and {@code primary} only starts and stops the backup.
     */
    record Backup(String node, String primary, String type) implements Step {

        public Backup {
            Checks.notNull(node, "node to back up from");
            Checks.notNull(primary, "primary of the backup");
            new Request.Backup(type);
        }

        public boolean fromStandby() {
            return !node.equals(primary);
        }
    }

    /** Publish to the cluster's SNS topic. */
    record Notify(String subject, String message) implements Step {

        public Notify {
            Checks.notNull(subject, "subject");
            Checks.notNull(message, "message");
        }
    }

    private static List<String> distinctNodes(List<String> standbys, String primary, String what) {
        List<String> copy = Checks.list(standbys, what);
        Set<String> seen = new HashSet<>();
        for (String name : copy) {
            if (name.equals(primary) || !seen.add(name)) {
                throw new IllegalArgumentException(what + " " + copy + " must be distinct and exclude the primary "
                        + primary);
            }
        }
        return copy;
    }
}

package io.pgpilot.core;

import io.pgpilot.core.ports.Instances;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether a cluster built by hand can become a pgpilot cluster, and what that takes: the decision
 * behind {@code pgpilot ctl adopt}. It reads what each instance's EC2 record and its PostgreSQL
 * (pgpilot-InspectNode) say, and either refuses, with every reason, or names the nodes pgpilot
 * will manage (role, upstream, synchronous standby) and each change with why, and whether it
 * waits for a restart. Nothing changes here; {@code adopt --apply} carries the plan out.
 */
public final class Adoption {

    /** From 15: the replication role's pg_checkpoint membership, which a rejoin's pg_rewind uses. */
    public static final int OLDEST_MAJOR = 15;
    public static final int NEWEST_MAJOR = 17;
    /** The replication role the documents create and standbys log in as. */
    public static final String REPLICATION_USER = "replicator";
    /** A node's name is also its host name and its application_name: one DNS label. */
    private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?");
    private static final Pattern SIZE = Pattern.compile("([0-9]+)\\s*(kB|MB|GB|TB)?");

    /** One standby as its upstream's pg_stat_replication shows it. */
    public record Downstream(String applicationName, String address, String syncState) {
    }

    /**
     * What pgpilot-InspectNode reports of a host's PostgreSQL.
     *
     * @param upstream           the WAL receiver's sender_host (a name or an address); null on a primary
     * @param walReceiver        the WAL receiver's status (streaming...); null when there is none
     * @param applicationName    the application_name its primary_conninfo sets; null when none
     * @param passwordInConninfo whether primary_conninfo holds a password (its value is never reported)
     * @param settings           SHOW values by name (ssl, wal_level, hot_standby, wal_log_hints...)
     * @param startConf          start.conf's first word: auto, manual or disabled
     * @param bootGate           whether pgpilot's boot gate is installed
     * @param hostsBlock         whether /etc/hosts has pgpilot's managed block
     */
    public record Inspection(String pgCluster, int major, String systemId, boolean inRecovery, String upstream,
                             String walReceiver, String applicationName, boolean passwordInConninfo,
                             String syncStandbyNames, List<Downstream> downstreams, Map<String, String> settings,
                             List<String> pendingRestart, String startConf, boolean bootGate, boolean hostsBlock) {

        public Inspection {
            downstreams = Checks.list(downstreams, "downstreams");
            settings = Checks.orderedMap(settings, "settings");
            pendingRestart = Checks.list(pendingRestart, "pendingRestart");
        }

        String setting(String name) {
            return settings.getOrDefault(name, "");
        }
    }

    /**
     * One EC2 instance offered for adoption.
     *
     * @param tags         its tags (Name and any pgpilot: tag)
     * @param metadataTags whether its instance metadata serves its tags
     * @param inspection   what its PostgreSQL said; null when it did not answer
     * @param unanswered   why there is no inspection (not reachable through SSM, not PostgreSQL); null with one
     */
    public record Candidate(String instanceId, String address, Map<String, String> tags, boolean metadataTags,
                            Inspection inspection, String unanswered) {

        public Candidate {
            Checks.requireText(instanceId, "instance id");
            tags = Checks.orderedMap(tags, "tags of " + instanceId);
            if ((inspection == null) == (unanswered == null)) {
                throw new IllegalArgumentException("a candidate has an inspection or says why not, not both");
            }
        }

        /** Its node name: pgpilot:name when an earlier adoption set it, else the Name tag. */
        String name() {
            return tags.getOrDefault(Instances.NAME_TAG, tags.get("Name"));
        }
    }

    /** A node pgpilot will manage, and what it answered; {@code upstream} null for the primary. */
    public record Node(String name, String instanceId, String address, Role role, String upstream, boolean sync,
                       Inspection inspection) {

        public String pgCluster() {
            return inspection.pgCluster();
        }

        /** The documents' pgVersion. */
        public String pgVersion() {
            return Integer.toString(inspection.major());
        }
    }

    /** One change adopt --apply makes on {@code node}, and why; {@code restart}: it waits for a restart. */
    public record Change(String node, String what, String why, boolean restart) {
    }

    /**
     * The decision. When refused, {@code refusals} say why and what would let adoption proceed,
     * and nothing else is meaningful.
     */
    public record Plan(String cluster, List<Node> nodes, Map<String, String> hosts, List<Change> changes,
                       List<String> warnings, List<String> refusals) {

        public boolean refused() {
            return !refusals.isEmpty();
        }

        public Node primary() {
            return nodes.stream().filter(n -> n.role() == Role.PRIMARY).findFirst().orElseThrow();
        }

        /** Standbys, each after its upstream: the order their logins can change in. */
        public List<Node> standbys() {
            return nodes.stream().filter(n -> n.role() == Role.STANDBY).toList();
        }

        /** The synchronous standby candidates by name, in priority order; empty: asynchronous. */
        public List<String> syncStandbys() {
            return nodes.stream().filter(Node::sync).map(Node::name).toList();
        }

        /** The tags pgpilot keeps on {@code node}. */
        public Map<String, String> tags(Node node) {
            Map<String, String> tags = new LinkedHashMap<>();
            tags.put(Instances.CLUSTER_TAG, cluster);
            tags.put(Instances.NAME_TAG, node.name());
            tags.put(Instances.ROLE_TAG, node.role().tag());
            tags.put(Instances.PGCLUSTER_TAG, node.pgCluster());
            if (node.upstream() != null) {
                tags.put(Instances.UPSTREAM_TAG, node.upstream());
            }
            tags.put(Instances.SYNC_TAG, Boolean.toString(node.sync()));
            return tags;
        }

        /** Settings that stay pending until {@code node} restarts, after adopt --apply. */
        public List<String> restartsOf(String node) {
            return changes.stream().filter(c -> c.restart() && c.node().equals(node)).map(Change::what).toList();
        }
    }

    /** A setting pgpilot's hosts run with: what it must be, whether a change needs a restart, and why. */
    private record Wanted(String name, String value, boolean restart, String why) {
    }

    private static final List<Wanted> SETTINGS = List.of(
            new Wanted("hot_standby", "on", true, "a standby answers pgpilot's probes and read queries"),
            new Wanted("max_wal_senders", "10", true, "a cascading standby and a rejoin each take one"),
            new Wanted("wal_keep_size", "256MB", false, "a standby that falls behind for a moment can catch up"
                    + " without a new base backup"),
            new Wanted("wal_retrieve_retry_interval", "50ms", false,
                    "a standby whose upstream vanished retries at once; the default 5 s stalls a promotion"),
            new Wanted("hot_standby_feedback", "on", false,
                    "queries on standbys are not cancelled by the primary's vacuum"),
            new Wanted("wal_receiver_timeout", "5s", false,
                    "a silently dead upstream is noticed in 5 s, not a minute: until then the standby reports"
                            + " streaming, which holds back a confirmed failover"),
            new Wanted("wal_sender_timeout", "5s", false, "the same, seen from the upstream"));
    private static final Wanted WAL_LOG_HINTS = new Wanted("wal_log_hints", "on", true,
            "pg_rewind rejoins an old primary without a full copy only with wal_log_hints or data checksums");

    private Adoption() {
    }

    /**
     * The plan for adopting {@code candidates} into {@code cluster}. {@code otherHosts}: the
     * cluster's hosts that are no database node (pgpool), by name, for the managed hosts block.
     */
    public static Plan plan(String cluster, List<Candidate> candidates, Map<String, String> otherHosts) {
        new ClusterNames(cluster);
        Checks.list(candidates, "candidates");
        List<String> refusals = new ArrayList<>();
        if (candidates.isEmpty()) {
            refusals.add("no instance to adopt: name the database instances (--nodes NAME,NAME or instance ids)");
        }
        Set<String> names = new LinkedHashSet<>();
        Map<String, Candidate> answered = new LinkedHashMap<>();
        for (Candidate c : candidates) {
            String name = c.name();
            String label = name == null ? c.instanceId() : name + " (" + c.instanceId() + ")";
            String owner = c.tags().get(Instances.CLUSTER_TAG);
            if (owner != null && !owner.equals(cluster)) {
                refusals.add(label + " is tagged " + Instances.CLUSTER_TAG + "=" + Checks.quote(owner)
                        + ": it belongs to another pgpilot cluster; adopt it there, or remove the tag if that cluster"
                        + " is gone");
            }
            if (name == null) {
                refusals.add(label + " has no Name tag: pgpilot names each node after it (its host name and"
                        + " application_name); tag the instance Name=HOST");
                continue;
            }
            if (!NODE_NAME.matcher(name).matches()) {
                refusals.add(c.instanceId() + " is named " + Checks.quote(name) + ", which is not a host name of one"
                        + " label (letters, digits, inner hyphens, at most 32): pgpilot writes the name into /etc/hosts,"
                        + " primary_conninfo and synchronous_standby_names; rename the instance (its Name tag)");
                continue;
            }
            if (!names.add(name.toLowerCase(Locale.ROOT))) {
                refusals.add("two instances are named " + name + ": node names must be unique");
                continue;
            }
            if (otherHosts.containsKey(name)) {
                refusals.add(label + " has the name of the cluster's host " + name + " (" + otherHosts.get(name)
                        + "), which is no database node");
            }
            if (c.inspection() == null) {
                refusals.add(label + " did not answer: " + c.unanswered());
                continue;
            }
            answered.put(name, c);
        }
        if (!refusals.isEmpty() || answered.isEmpty()) {
            return refused(cluster, refusals);
        }
        refuseUnmanageable(answered, refusals);
        if (!refusals.isEmpty()) {
            return refused(cluster, refusals);
        }
        List<String> primaries = answered.entrySet().stream().filter(e -> !e.getValue().inspection().inRecovery())
                .map(Map.Entry::getKey).toList();
        if (primaries.size() != 1) {
            refusals.add(primaries.isEmpty()
                    ? "no node is a primary (all are in recovery): adopt a cluster whose primary runs"
                    : "two primaries: " + String.join(" and ", primaries) + " both accept writes; pgpilot will not"
                    + " choose which writes to keep: stop or rebuild all but one by hand, then adopt");
            return refused(cluster, refusals);
        }
        String primary = primaries.get(0);
        Map<String, String> upstreams = upstreams(answered, primary, refusals);
        if (!refusals.isEmpty()) {
            return refused(cluster, refusals);
        }
        List<String> order = chainOrder(primary, upstreams, refusals);
        if (!refusals.isEmpty()) {
            return refused(cluster, refusals);
        }
        Inspection primaryInspection = answered.get(primary).inspection();
        Set<String> sync = syncStandbys(answered, primaryInspection);
        List<Node> nodes = new ArrayList<>();
        for (String name : order) {
            Candidate c = answered.get(name);
            nodes.add(new Node(name, c.instanceId(), c.address(), name.equals(primary) ? Role.PRIMARY : Role.STANDBY,
                    upstreams.get(name), sync.contains(name), c.inspection()));
        }
        Map<String, String> hosts = new LinkedHashMap<>();
        nodes.forEach(n -> hosts.put(n.name(), n.address()));
        hosts.putAll(otherHosts);
        hosts.put(Topology.PRIMARY_ALIAS, answered.get(primary).address());
        Plan partial = new Plan(cluster, List.copyOf(nodes), hosts, List.of(), List.of(), List.of());
        List<Change> changes = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (Node node : nodes) {
            changes.addAll(changes(partial, node, answered.get(node.name())));
        }
        if (sync.isEmpty()) {
            warnings.add("replication is asynchronous (synchronous_standby_names is "
                    + Checks.quote(primaryInspection.syncStandbyNames()) + "): a failover can lose commits the primary"
                    + " acknowledged; pgpilot's own clusters run one synchronous standby");
        }
        for (Node node : nodes) {
            List<String> pending = answered.get(node.name()).inspection().pendingRestart();
            if (!pending.isEmpty()) {
                warnings.add(node.name() + " already waits for a restart for " + String.join(", ", pending));
            }
        }
        return new Plan(cluster, List.copyOf(nodes), hosts, List.copyOf(changes), List.copyOf(warnings), List.of());
    }

    private static Plan refused(String cluster, List<String> refusals) {
        return new Plan(cluster, List.of(), Map.of(), List.of(), List.of(), List.copyOf(refusals));
    }

    /** What no plan can fix: versions, one database system, TLS, a WAL level without replication. */
    private static void refuseUnmanageable(Map<String, Candidate> answered, List<String> refusals) {
        Set<String> systems = new LinkedHashSet<>();
        Set<Integer> majors = new LinkedHashSet<>();
        answered.forEach((name, c) -> {
            Inspection i = c.inspection();
            systems.add(i.systemId());
            majors.add(i.major());
            if (i.major() < OLDEST_MAJOR || i.major() > NEWEST_MAJOR) {
                refusals.add(name + " runs PostgreSQL " + i.major() + "; pgpilot manages PostgreSQL " + OLDEST_MAJOR
                        + " to " + NEWEST_MAJOR + ": upgrade it first");
            }
            if (!"on".equals(i.setting("ssl"))) {
                refusals.add(name + " has ssl off: pgpilot replicates only over TLS (verify-ca); set ssl_cert_file,"
                        + " ssl_key_file, ssl_ca_file and ssl = on (a reload), then adopt again");
            }
            if ("minimal".equals(i.setting("wal_level"))) {
                refusals.add(name + " has wal_level minimal, which serves no standby");
            }
            if ("disabled".equals(i.startConf())) {
                refusals.add(name + " is disabled in start.conf (fenced?) yet runs: find out why before adopting it");
            }
        });
        if (systems.size() > 1) {
            refusals.add("the nodes are not one database system (system identifiers "
                    + String.join(", ", systems) + "): adopt each cluster on its own");
        }
        if (majors.size() > 1) {
            refusals.add("the nodes run different PostgreSQL versions " + majors + ": a standby runs its primary's");
        }
    }

    /** Each standby's upstream node, by name; a refusal for each that streams from none of them. */
    private static Map<String, String> upstreams(Map<String, Candidate> answered, String primary, List<String> refusals) {
        Map<String, String> upstreams = new LinkedHashMap<>();
        answered.forEach((name, c) -> {
            if (name.equals(primary)) {
                return;
            }
            Inspection i = c.inspection();
            if (!"streaming".equals(i.walReceiver())) {
                refusals.add("broken chain: " + name + " is a standby that does not stream (WAL receiver: "
                        + (i.walReceiver() == null ? "none" : i.walReceiver()) + "); make it stream, or leave it out"
                        + " of --nodes and rebuild it after adoption");
                return;
            }
            Optional<String> upstream = answered.entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase(i.upstream()) || e.getValue().address().equals(i.upstream()))
                    .map(Map.Entry::getKey).findFirst();
            if (upstream.isEmpty()) {
                refusals.add("broken chain: " + name + " streams from " + Checks.quote(i.upstream()) + ", which is"
                        + " none of the nodes adopted (" + String.join(", ", answered.keySet()) + ")");
            } else {
                upstreams.put(name, upstream.get());
            }
        });
        return upstreams;
    }

    /** The nodes from the primary down, each after its upstream; a refusal for a loop. */
    private static List<String> chainOrder(String primary, Map<String, String> upstreams, List<String> refusals) {
        List<String> order = new ArrayList<>(List.of(primary));
        Deque<String> next = new ArrayDeque<>(List.of(primary));
        while (!next.isEmpty()) {
            String upstream = next.poll();
            upstreams.forEach((standby, up) -> {
                if (up.equals(upstream)) {
                    order.add(standby);
                    next.add(standby);
                }
            });
        }
        upstreams.keySet().stream().filter(s -> !order.contains(s)).forEach(s -> refusals.add(
                "broken chain: " + s + " streams from " + upstreams.get(s) + ", which does not lead to the primary "
                        + primary));
        return order;
    }

    /** The standbys the primary now waits for (sync or quorum), as nodes matched by address or name. */
    private static Set<String> syncStandbys(Map<String, Candidate> answered, Inspection primary) {
        Set<String> sync = new LinkedHashSet<>();
        for (Downstream d : primary.downstreams()) {
            if (!"sync".equals(d.syncState()) && !"quorum".equals(d.syncState())) {
                continue;
            }
            answered.forEach((name, c) -> {
                if (c.address().equals(d.address()) || name.equals(d.applicationName())) {
                    sync.add(name);
                }
            });
        }
        return sync;
    }

    private static List<Change> changes(Plan plan, Node node, Candidate c) {
        Inspection i = c.inspection();
        List<Change> changes = new ArrayList<>();
        Map<String, String> tags = plan.tags(node);
        List<String> differ = tags.entrySet().stream().filter(t -> !t.getValue().equals(c.tags().get(t.getKey())))
                .map(t -> t.getKey() + "=" + t.getValue()).toList();
        if (!differ.isEmpty()) {
            changes.add(new Change(node.name(), "tags " + String.join(" ", differ),
                    "pgpilot finds its nodes, their roles and upstreams by these tags (set last: only then does"
                            + " pgpilot act on the cluster)", false));
        }
        if (!c.metadataTags()) {
            changes.add(new Change(node.name(), "instance metadata tags enabled",
                    "the boot gate reads this node's pgpilot:role from the instance metadata at every boot", false));
        }
        if (!i.hostsBlock()) {
            changes.add(new Change(node.name(), "/etc/hosts: pgpilot's managed block (" + String.join(", ",
                    plan.hosts().keySet()) + ")", "pgpilot names upstreams by host name and moves "
                    + Topology.PRIMARY_ALIAS + " at a failover; other lines stay", false));
        }
        if (!"manual".equals(i.startConf()) || !i.bootGate()) {
            changes.add(new Change(node.name(), "start.conf manual (was " + i.startConf() + ") and pgpilot's boot gate",
                    "at boot PostgreSQL starts only as what pgpilot says this node is: a rebooted old primary never"
                            + " comes back as a second primary", false));
        }
        if (node.role() == Role.PRIMARY) {
            changes.add(new Change(node.name(), "replication login " + REPLICATION_USER + " (password from "
                    + new ClusterNames(plan.cluster()).replicationSecret() + "), its pg_rewind grants, and a hostssl"
                    + " block in pg_hba.conf", "standbys and pg_rewind log in with it after a failover; its password"
                    + " lives in Secrets Manager, read by the hosts only", false));
            changes.add(new Change(node.name(), "monitoring login with pg_monitor (from the cluster's monitoring"
                    + " secret)", "pgpilot's functions probe every node with it, and with nothing more", false));
            String wanted = plan.syncStandbys().isEmpty() ? ""
                    : "FIRST 1 (" + String.join(",", plan.syncStandbys()) + ")";
            if (!wanted.equals(i.syncStandbyNames())) {
                changes.add(new Change(node.name(), "synchronous_standby_names = " + Checks.quote(wanted) + " (was "
                        + Checks.quote(i.syncStandbyNames()) + ")", "pgpilot names its synchronous standby by node, so"
                        + " after a failover it knows where each acknowledged commit is", false));
            }
        } else {
            boolean conninfo = !node.name().equals(i.applicationName()) || i.passwordInConninfo()
                    || !node.upstream().equals(i.upstream());
            if (conninfo) {
                changes.add(new Change(node.name(), "primary_conninfo: host=" + node.upstream() + " user="
                        + REPLICATION_USER + " application_name=" + node.name() + ", password in a passfile"
                        + (i.passwordInConninfo() ? " (moved out of primary_conninfo, where SHOW reveals it)" : ""),
                        "pgpilot re-points standbys by host name and names the synchronous one by application_name;"
                                + " a reload, no restart", false));
            }
        }
        for (Wanted w : settings(i)) {
            String have = i.setting(w.name());
            // One set already and waiting for a restart is a warning, not a change.
            if (!satisfies(w, have) && !i.pendingRestart().contains(w.name())) {
                changes.add(new Change(node.name(), w.name() + " = " + w.value() + " (was " + Checks.quote(have) + ")",
                        w.why(), w.restart()));
            }
        }
        return changes;
    }

    private static List<Wanted> settings(Inspection i) {
        List<Wanted> wanted = new ArrayList<>(SETTINGS);
        if (!"on".equals(i.setting("data_checksums"))) {
            wanted.add(WAL_LOG_HINTS);
        }
        return wanted;
    }

    /** Numbers and sizes only ever grow: a host tuned above pgpilot's value keeps its own. */
    private static boolean satisfies(Wanted w, String have) {
        return switch (w.name()) {
            case "max_wal_senders" -> number(have) >= Long.parseLong(w.value());
            case "wal_keep_size" -> kilobytes(have) >= kilobytes(w.value());
            default -> Objects.equals(w.value(), have);
        };
    }

    /** max_wal_senders for ConfigurePrimary: the node's own when higher than pgpilot's. */
    public static String maxWalSenders(Inspection i) {
        return Long.toString(Math.max(number(i.setting("max_wal_senders")), 10));
    }

    /** wal_keep_size for ConfigurePrimary: the node's own when larger than pgpilot's, in MB. */
    public static String walKeepSize(Inspection i) {
        return Math.max(kilobytes(i.setting("wal_keep_size")) / 1024, 256) + "MB";
    }

    private static long number(String text) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** A size as SHOW prints it (0, 512kB, 256MB, 1GB, 2TB) in kB; a bare number is MB, as for wal_keep_size. */
    static long kilobytes(String text) {
        Matcher m = SIZE.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            return 0;
        }
        long amount = Long.parseLong(m.group(1));
        return switch (m.group(2) == null ? "MB" : m.group(2)) {
            case "kB" -> amount;
            case "GB" -> amount * 1024 * 1024;
            case "TB" -> amount * 1024 * 1024 * 1024;
            default -> amount * 1024;
        };
    }
}

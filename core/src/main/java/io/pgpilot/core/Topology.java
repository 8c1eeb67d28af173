package io.pgpilot.core;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The cluster as deployed and as its tags last recorded it: the database nodes, in the order
 * pgpilot lists them, and the other hosts that share the managed /etc/hosts block (pgpool,
 * application servers). Roles come from the pgpilot:role tags, which the planner rewrites last
 * in every plan, so they describe the last completed transition.
 *
 * <p>The seed's chain is pg1 (primary) → pg2 (synchronous, cascading) → pg3 (downstream of pg2).
 *
 * @param excluded instances tagged with the cluster whose tags could not be used (a name taken
 *                 twice, an invalid name), by instance id, with why: left out, so that one bad tag
 *                 does not keep pgpilot from serving the rest of the cluster
 */
public record Topology(String cluster, List<Node> nodes, Map<String, String> otherHosts,
                       Map<String, String> excluded) {

    /** The /etc/hosts alias that always names the current primary. */
    public static final String PRIMARY_ALIAS = "pg-primary";

    private static final Pattern CLUSTER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final Pattern INSTANCE_ID = Pattern.compile("i-[0-9a-f]{8}([0-9a-f]{9})?");

    /**
     * One PostgreSQL host.
     *
     * @param upstream    the node it streams from when it runs as a standby; null to stream from
     *                    whichever node is primary. Kept while the node is primary: it is the shape
     *                    to return to, and the planner only follows it through nodes in service.
     * @param synchronous whether it is the preferred synchronous standby
     */
    public record Node(String name, String address, String instanceId, Role role, String upstream,
                       boolean synchronous) {

        public Node {
            HostNames.requireHostName(name, "node name");
            HostNames.requireAddress(address, "address of " + name);
            Checks.notNull(instanceId, "instance id of " + name);
            if (!INSTANCE_ID.matcher(instanceId).matches()) {
                throw new IllegalArgumentException("instance id of " + name + " " + Checks.quote(instanceId)
                        + " is not an EC2 instance id (i- and 8 or 17 lower-case hex digits)");
            }
            Checks.notNull(role, "role of " + name);
            if (upstream != null) {
                HostNames.requireHostName(upstream, "upstream of " + name);
            }
        }
    }

    public Topology {
        Checks.notNull(cluster, "cluster name");
        if (!CLUSTER.matcher(cluster).matches()) {
            throw new IllegalArgumentException("cluster name " + Checks.quote(cluster)
                    + " must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        nodes = Checks.list(nodes, "topology nodes");
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("a topology needs at least one node");
        }
        otherHosts = Checks.orderedMap(otherHosts, "other hosts");
        excluded = Checks.orderedMap(excluded, "excluded instances");
        Set<String> names = new HashSet<>();
        Set<String> addresses = new HashSet<>();
        for (Node node : nodes) {
            requireUnique(names, node.name(), "node name");
            requireUnique(addresses, node.address(), "address");
        }
        for (Map.Entry<String, String> host : otherHosts.entrySet()) {
            HostNames.requireHostName(host.getKey(), "host name");
            HostNames.requireAddress(host.getValue(), "address of " + host.getKey());
            requireUnique(names, host.getKey(), "host name");
        }
        if (names.contains(PRIMARY_ALIAS)) {
            throw new IllegalArgumentException(PRIMARY_ALIAS
                    + " is the alias of the current primary; no host may be named so");
        }
        List<String> primaries = new ArrayList<>();
        List<String> synchronous = new ArrayList<>();
        for (Node node : nodes) {
            if (node.upstream() != null) {
                if (node.upstream().equals(node.name())) {
                    throw new IllegalArgumentException("node " + node.name() + " cannot stream from itself");
                }
                if (nodes.stream().noneMatch(n -> n.name().equals(node.upstream()))) {
                    throw new IllegalArgumentException("upstream " + node.upstream() + " of node " + node.name()
                            + " is not a node of cluster " + cluster);
                }
            }
            if (node.role() == Role.PRIMARY) {
                primaries.add(node.name());
            }
            if (node.synchronous()) {
                synchronous.add(node.name());
            }
        }
        // Zero primaries is allowed: a retag interrupted between demotion and promotion leaves none.
        if (primaries.size() > 1) {
            throw new IllegalArgumentException("nodes " + primaries + " are all tagged primary; at most one may be");
        }
        if (synchronous.size() > 1) {
            throw new IllegalArgumentException("nodes " + synchronous
                    + " are all marked synchronous; at most one may be");
        }
    }

    /** A topology in which no tagged instance had to be left out. */
    public Topology(String cluster, List<Node> nodes, Map<String, String> otherHosts) {
        this(cluster, nodes, otherHosts, Map.of());
    }

    /** This topology with {@code roles} written over the nodes' tags. */
    public Topology retagged(Map<String, Role> roles) {
        List<Node> retagged = nodes.stream().map(n -> new Node(n.name(), n.address(), n.instanceId(),
                roles.getOrDefault(n.name(), n.role()), n.upstream(), n.synchronous())).toList();
        return new Topology(cluster, retagged, otherHosts, excluded);
    }

    public Node node(String name) {
        Checks.notNull(name, "node name");
        for (Node node : nodes) {
            if (node.name().equals(name)) {
                return node;
            }
        }
        throw new IllegalArgumentException("unknown node " + Checks.quote(name) + ": cluster " + cluster
                + " has " + names());
    }

    public List<String> names() {
        return nodes.stream().map(Node::name).toList();
    }

    /** The node tagged primary, if any. */
    public Optional<Node> primary() {
        return nodes.stream().filter(n -> n.role() == Role.PRIMARY).findFirst();
    }

    /**
     * The managed hosts map with {@code primary} as the primary: every node, every other host,
     * then the alias pg-primary on the primary's address.
     */
    public Map<String, String> hostsMap(String primary) {
        Map<String, String> hosts = new LinkedHashMap<>();
        nodes.forEach(n -> hosts.put(n.name(), n.address()));
        hosts.putAll(otherHosts);
        hosts.put(PRIMARY_ALIAS, node(primary).address());
        return hosts;
    }

    private static void requireUnique(Set<String> seen, String value, String what) {
        // Host names are case-insensitive; addresses are compared as written.
        if (!seen.add(value.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("duplicate " + what + " " + Checks.quote(value));
        }
    }
}

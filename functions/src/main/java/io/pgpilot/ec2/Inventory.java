package io.pgpilot.ec2;

import io.pgpilot.core.Checks;
import io.pgpilot.core.Ec2State;
import io.pgpilot.core.HostNames;
import io.pgpilot.core.Role;
import io.pgpilot.core.Topology;
import io.pgpilot.core.ports.Instance;
import io.pgpilot.core.ports.Instances;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A cluster as its EC2 tags describe it at one moment: the core's {@link Topology} and, beside
 * it, what only the adapters need (instance ids, Debian cluster names, pgpool hosts).
 *
 * <ul>
 *   <li>Database nodes are the instances tagged pgpilot:role primary, standby or rebuild, in
 *       pgpilot:name order: that order is also pgpool's backend order (node ids), so CDK and the
 *       lab must list the backends sorted by name.</li>
 *   <li>Every other host with a pgpilot:name (pgpool, application servers) is in the topology's
 *       other hosts, so the published hosts map covers every host.</li>
 *   <li>An instance replaced under the same name: the one not terminated counts. A terminated
 *       node with nobody in its place keeps its name with an address from 192.0.2.0/24
 *       (TEST-NET-1, never routed) once EC2 reports none: the planner still sees it, and no
 *       hosts file points its name at an address EC2 may give to another instance.</li>
 * </ul>
 *
 * @param hosts     every managed instance by pgpilot:name
 * @param ec2States EC2 state of each database node by name
 */
public record Inventory(Topology topology, Map<String, Instance> hosts, Map<String, Ec2State> ec2States) {

    /** Documentation addresses (RFC 5737) for terminated nodes without one. */
    static final String NO_ADDRESS_PREFIX = "192.0.2.";
    public static final String DEFAULT_PGCLUSTER = "main";
    public static final String PGPOOL_ROLE = "pgpool";

    public Inventory {
        hosts = Collections.unmodifiableMap(new LinkedHashMap<>(hosts));
        ec2States = Collections.unmodifiableMap(new LinkedHashMap<>(ec2States));
    }

    /**
     * The cluster from DescribeInstances' answer. A tag that cannot be used leaves out the one
     * instance that carries it, with the reason ({@link Topology#excluded}), so that the rest of
     * the cluster is still served: a second live instance with a name already taken (the one
     * launched first keeps it), a name that is no host name; an upstream that names no node is
     * read as none (the node then streams from the primary).
     *
     * @throws IllegalArgumentException when the tags do not form a cluster at all (no database
     *         node, two nodes tagged primary)
     */
    public static Inventory of(String cluster, List<Instance> instances) {
        Map<String, String> excluded = new LinkedHashMap<>();
        Map<String, Instance> byName = new TreeMap<>();
        Map<String, List<Instance>> grouped = new TreeMap<>();
        instances.forEach(i -> grouped.computeIfAbsent(i.name(), n -> new ArrayList<>()).add(i));
        grouped.forEach((name, same) -> {
            List<Instance> live = same.stream().filter(i -> i.state() != Ec2State.TERMINATED)
                    .sorted(Comparator.comparing((Instance i) -> i.launchTime() == null ? Instant.MAX : i.launchTime())
                            .thenComparing(Instance::instanceId))
                    .toList();
            for (Instance extra : live.stream().skip(1).toList()) {
                excluded.put(extra.instanceId(), "instance " + extra.instanceId() + " is named " + Checks.quote(name)
                        + " (pgpilot:name) like " + live.get(0).instanceId() + ", which was launched first and keeps"
                        + " the name; terminate " + extra.instanceId() + " or give it a name of its own");
            }
            byName.put(name, live.isEmpty()
                    ? same.stream().max(Comparator.comparing(Instance::instanceId)).orElseThrow() : live.get(0));
        });
        List<Topology.Node> nodes = new ArrayList<>();
        Map<String, String> others = new LinkedHashMap<>();
        Map<String, Ec2State> states = new LinkedHashMap<>();
        int placeholder = 0;
        for (Instance host : List.copyOf(byName.values())) {
            Optional<Role> role = host.role();
            try {
                HostNames.requireHostName(host.name(), "pgpilot:name");
            } catch (IllegalArgumentException e) {
                excluded.put(host.instanceId(), "instance " + host.instanceId() + ": " + e.getMessage());
                byName.remove(host.name());
                continue;
            }
            if (role.isPresent()) {
                String address = host.privateIp();
                if (address == null) {
                    placeholder++;
                    if (placeholder > 254) {
                        throw new IllegalArgumentException("more than 254 database instances without an address");
                    }
                    address = NO_ADDRESS_PREFIX + placeholder;
                }
                nodes.add(new Topology.Node(host.name(), address, host.instanceId(), role.get(),
                        host.tag(Instances.UPSTREAM_TAG).orElse(null),
                        host.tag(Instances.SYNC_TAG).map("true"::equalsIgnoreCase).orElse(false)));
                states.put(host.name(), host.state());
            } else if (host.privateIp() != null && host.state() != Ec2State.TERMINATED) {
                others.put(host.name(), host.privateIp());
            }
        }
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("cluster " + cluster + " has no database instance: none of its "
                    + instances.size() + " managed instances is tagged " + Instances.ROLE_TAG
                    + " primary, standby or rebuild");
        }
        List<String> names = nodes.stream().map(Topology.Node::name).toList();
        List<Topology.Node> linked = new ArrayList<>();
        for (Topology.Node node : nodes) {
            if (node.upstream() != null && (!names.contains(node.upstream()) || node.upstream().equals(node.name()))) {
                excluded.put(node.instanceId() + "/upstream", node.name() + "'s " + Instances.UPSTREAM_TAG + " "
                        + Checks.quote(node.upstream()) + " names no other node of cluster " + cluster + ": read as"
                        + " none, so " + node.name() + " streams from the primary; correct the tag");
                node = new Topology.Node(node.name(), node.address(), node.instanceId(), node.role(), null,
                        node.synchronous());
            }
            linked.add(node);
        }
        try {
            return new Inventory(new Topology(cluster, linked, others, excluded), byName, states);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the tags of cluster " + cluster + " do not form a valid cluster: "
                    + e.getMessage(), e);
        }
    }

    public String cluster() {
        return topology.cluster();
    }

    /**
     * This inventory after {@code node}'s instance went to {@code state} (a fence stopped it): what
     * later steps of the same run see, without asking EC2 again.
     */
    public Inventory withState(String node, Ec2State state) {
        Map<String, Instance> hostsAfter = new LinkedHashMap<>(hosts);
        hostsAfter.put(node, host(node).with(state, null));
        Map<String, Ec2State> states = new LinkedHashMap<>(ec2States);
        if (states.containsKey(node)) {
            states.put(node, state);
        }
        return new Inventory(topology, hostsAfter, states);
    }

    /** This inventory after the pgpilot:role tags of {@code roles} were written. */
    public Inventory retagged(Map<String, Role> roles) {
        Map<String, Instance> hostsAfter = new LinkedHashMap<>(hosts);
        roles.forEach((node, role) -> hostsAfter.put(node, host(node).with(host(node).state(), role.tag())));
        return new Inventory(topology.retagged(roles), hostsAfter, ec2States);
    }

    public Instance host(String name) {
        Instance host = hosts.get(name);
        if (host == null) {
            throw new IllegalArgumentException("no host named " + Checks.quote(name) + " in cluster " + cluster());
        }
        return host;
    }

    public String instanceId(String node) {
        return topology.node(node).instanceId();
    }

    /** The Debian cluster name (pg_lsclusters) of a database node: its pgpilot:pgcluster tag, else "main". */
    public String pgCluster(String node) {
        return host(node).tag(Instances.PGCLUSTER_TAG).orElse(DEFAULT_PGCLUSTER);
    }

    public Optional<Instance> byInstanceId(String instanceId) {
        return hosts.values().stream().filter(i -> i.instanceId().equals(instanceId)).findFirst();
    }

    /** Instances that are running: those an SSM command to the whole cluster reaches. */
    public List<Instance> running() {
        return hosts.values().stream().filter(i -> i.state() == Ec2State.RUNNING).toList();
    }

    /** Running instances tagged pgpilot:role=pgpool. */
    public List<Instance> pgpoolHosts() {
        return running().stream().filter(i -> PGPOOL_ROLE.equals(i.roleTag())).toList();
    }

    /** The node the tags name primary, if any. */
    public Optional<String> taggedPrimary() {
        return topology.primary().map(Topology.Node::name);
    }
}

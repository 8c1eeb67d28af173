package io.pgpilot.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A topology and the observation of it read together, with the liveness rules the planner
 * applies, the cluster's identity and the nodes whose answers are not believed.
 *
 * <p>Identity: every copy of one database reports the same PostgreSQL system identifier. The
 * cluster's is the recorded one; with no record, the tagged primary's; with neither, the one
 * every answering node agrees on. A node that reports another identifier, or readings that
 * cannot be used, is excluded: never kept, promoted, counted as a standby in service or rebuilt.
 */
final class ClusterView {

    /** Whether a node is down for sure, and why. */
    record Verdict(boolean down, String why) {
    }

    /** The furthest WAL position known to exist, and where it was seen. */
    record Position(Lsn lsn, String source) {
    }

    final Topology topology;
    final ClusterObservation observation;
    private final int probesRequired;
    /** The primary record when it is this cluster's; null otherwise. */
    private final PrimaryRecord record;
    private final String identity;
    /** Why there is no identity although the nodes report one; null otherwise. */
    private final String identityProblem;
    private final Map<String, String> excluded = new LinkedHashMap<>();
    private final List<Alert> alerts = new ArrayList<>();

    ClusterView(Topology topology, ClusterObservation observation, int probesRequired) {
        this.topology = Checks.notNull(topology, "topology");
        this.observation = Checks.notNull(observation, "cluster observation");
        observation.requireMatches(topology);
        this.probesRequired = probesRequired;
        PrimaryRecord recorded = observation.record();
        if (recorded != null && !recorded.cluster().equals(topology.cluster())) {
            alerts.add(new Alert("foreign-record", "pgpilot " + topology.cluster() + ": primary record of another"
                    + " cluster ignored", "The state table's primary record of cluster " + topology.cluster()
                    + " names cluster " + Checks.quote(recorded.cluster()) + ": it is ignored, so pgpilot"
                    + " decides from what it observes now. Delete the record if it was copied by mistake."));
            recorded = null;
        }
        this.record = recorded;
        topology.excluded().forEach((instance, why) -> alerts.add(new Alert("excluded:" + instance, "pgpilot "
                + topology.cluster() + ": an instance's tags excluded it", why + ". The rest of the cluster is"
                + " served; pgpilot acts on nothing that instance runs.")));
        String[] found = identity();
        this.identity = found[0];
        this.identityProblem = found[1];
        for (String node : topology.names()) {
            NodeObservation seen = now(node);
            String why = null;
            if (seen.reachable() && seen.unusable() != null) {
                why = node + "'s answer cannot be used: " + seen.unusable();
            } else if (identity != null && seen.systemIdentifier() != null
                    && !identity.equals(seen.systemIdentifier())) {
                why = node + " reports PostgreSQL system identifier " + Checks.quote(seen.systemIdentifier())
                        + ", not the cluster's " + identity + " (" + identitySource() + "): it is another database,"
                        + " not a copy of this one";
            }
            if (why != null) {
                excluded.put(node, why);
                alerts.add(new Alert("excluded:" + node, "pgpilot " + topology.cluster() + ": " + node
                        + " excluded", why + ". pgpilot neither promotes, keeps, re-points, routes to nor rebuilds "
                        + node + " while this lasts; fix or re-clone it by hand (or correct its pgpilot tags)."));
            }
        }
    }

    /** {identity, problem}: the cluster's system identifier, or null and why not when the nodes disagree. */
    private String[] identity() {
        if (record != null) {
            return new String[] {record.systemIdentifier(), null};
        }
        String primary = topology.primary().map(Topology.Node::name).orElse(null);
        if (primary != null) {
            for (int i = observation.rounds().size() - 1; i >= 0; i--) {
                NodeObservation seen = observation.rounds().get(i).node(primary);
                if (seen.writable() && seen.systemIdentifier() != null) {
                    return new String[] {seen.systemIdentifier(), null};
                }
            }
        }
        Map<String, List<String>> reported = new LinkedHashMap<>();
        for (String node : topology.names()) {
            NodeObservation seen = now(node);
            if (seen.usable() && seen.systemIdentifier() != null && tag(node) != Role.REBUILD) {
                reported.computeIfAbsent(seen.systemIdentifier(), id -> new ArrayList<>()).add(node);
            }
        }
        if (reported.size() > 1) {
            return new String[] {null, "no primary record exists and the nodes in service report different"
                    + " PostgreSQL system identifiers (" + reported + "), so pgpilot cannot tell which are copies of"
                    + " the cluster's database"};
        }
        return new String[] {reported.isEmpty() ? null : reported.keySet().iterator().next(), null};
    }

    private String identitySource() {
        return record != null ? "recorded at " + record.at() : "as the nodes report it";
    }

    /** The node as the latest round saw it. */
    NodeObservation now(String node) {
        return observation.latest().node(node);
    }

    Role tag(String node) {
        return topology.node(node).role();
    }

    Ec2State ec2(String node) {
        return observation.ec2State(node);
    }

    /** This cluster's primary record, or null when there is none (or it was another cluster's). */
    PrimaryRecord record() {
        return record;
    }

    /**
     * Whether {@code node} was the standby the primary's commits waited for: per the primary
     * record's synchronous WAL senders, else (no record, or none connected then) its pgpilot:sync tag.
     */
    boolean wasSynchronous(String node) {
        if (record != null && !record.confirmed().isEmpty()) {
            return record.confirmed().containsKey(node);
        }
        return topology.node(node).synchronous();
    }

    /** Why a node's answers are not believed, or null when they are. */
    String excluded(String node) {
        return excluded.get(node);
    }

    /** Why no identity can be established although nodes report one; null when there is no such problem. */
    String identityProblem() {
        return identityProblem;
    }

    /** Conditions found while reading the observation (an excluded node, a foreign record). */
    List<Alert> alerts() {
        return List.copyOf(alerts);
    }

    /** Nodes that accept writes in the latest round and are not excluded, in topology order. */
    List<String> writable() {
        return topology.names().stream().filter(n -> now(n).writable() && excluded(n) == null).toList();
    }

    /**
     * A node is down when EC2 says its instance is going away, or when it was unreachable in every
     * one of at least the required number of probe rounds and no node's WAL receiver streamed from
     * it meanwhile: a standby still streaming from it proves it alive and only the probe path broken.
     * A node that answers with readings pgpilot does not believe still answers: it is not down.
     */
    /** Whether a standby streams from {@code node} in the latest probe round: it lives now, whatever its probes say. */
    boolean streamedFromNow(String node) {
        return observation.latest().nodes().stream().anyMatch(o -> streamsFrom(o, node));
    }

    private static boolean streamsFrom(NodeObservation other, String node) {
        return other.usable() && other.streamsFrom(node);
    }

    Verdict down(String node) {
        Ec2State ec2 = ec2(node);
        if (ec2.isGoingDown()) {
            return new Verdict(true, "EC2 reports its instance " + ec2.awsName());
        }
        List<ProbeRound> rounds = observation.rounds();
        long answered = rounds.stream().filter(r -> r.node(node).reachable()).count();
        if (answered > 0) {
            return new Verdict(false, "it answered in " + answered + " of " + rounds.size()
                    + " probe rounds, so its failure is not confirmed (flapping or recovering)");
        }
        for (ProbeRound round : rounds) {
            for (NodeObservation other : round.nodes()) {
                if (streamsFrom(other, node)) {
                    return new Verdict(false, other.node() + "'s WAL receiver was streaming from " + node + " at "
                            + round.at() + ", so it is alive and only the probe path to it is broken");
                }
            }
        }
        if (rounds.size() < probesRequired) {
            return new Verdict(false, "unreachable in " + rounds.size() + " probe round"
                    + (rounds.size() == 1 ? "" : "s") + ", but " + probesRequired + " are needed to confirm a failure");
        }
        Duration span = Duration.between(rounds.get(0).at(), observation.latest().at());
        return new Verdict(true, "unreachable in all " + rounds.size() + " probe rounds over "
                + String.format("%.1f s", span.toMillis() / 1000.0) + " (EC2 state " + ec2.awsName()
                + ") and no standby streamed from it");
    }

    /**
     * The furthest position known on {@code timeline}: any in-service node's in any round, each
     * synchronous standby's confirmed position in the primary record, and the recorded primary's
     * own position when every commit up to it may have been acknowledged ({@code primaryCounts}:
     * asynchronous replication, or a primary that named no synchronous standby). Nodes tagged
     * rebuild or excluded are left out: their WAL may be from another history. Null when nothing
     * on that timeline is known.
     */
    Position bestKnown(int timeline, boolean primaryCounts) {
        Position best = null;
        if (record != null && record.timeline() == timeline) {
            if (primaryCounts) {
                best = new Position(record.position(), "the primary " + record.primary() + "'s position recorded at "
                        + record.at());
            }
            for (Map.Entry<String, Lsn> confirmed : record.confirmed().entrySet()) {
                if (best == null || confirmed.getValue().isAfter(best.lsn())) {
                    best = new Position(confirmed.getValue(), "the position " + confirmed.getKey()
                            + " had confirmed to " + record.primary() + ", recorded at " + record.at());
                }
            }
        }
        for (ProbeRound round : observation.rounds()) {
            for (NodeObservation node : round.nodes()) {
                if (node.usable() && node.timeline() == timeline && tag(node.node()) != Role.REBUILD
                        && excluded(node.node()) == null && (best == null || node.position().isAfter(best.lsn()))) {
                    best = new Position(node.position(), node.node() + "'s position at " + round.at());
                }
            }
        }
        return best;
    }

    /**
     * The standbys that may have confirmed a commit the failed primary {@code old} acknowledged,
     * and where that list comes from: its synchronous_standby_names as the primary record holds
     * them (the record of whichever node was last seen writable), together with what {@code old}
     * itself answered in this observation's rounds; with neither, the standbys configured to
     * stream from {@code old} and the one tagged synchronous. "*" stands for every other node.
     */
    Confirmers confirmers(String old) {
        Set<String> names = new LinkedHashSet<>();
        List<String> sources = new ArrayList<>();
        if (record != null) {
            names.addAll(record.syncStandbys());
            sources.add("synchronous_standby_names of " + record.primary() + " recorded at " + record.at());
        }
        for (int i = observation.rounds().size() - 1; i >= 0; i--) {
            NodeObservation seen = observation.rounds().get(i).node(old);
            if (seen.writable()) {
                names.addAll(seen.syncStandbys());
                sources.add("synchronous_standby_names of " + old + " seen at " + observation.rounds().get(i).at());
                break;
            }
        }
        if (sources.isEmpty()) {
            for (Topology.Node node : topology.nodes()) {
                if (!node.name().equals(old) && node.role() == Role.STANDBY
                        && (node.synchronous() || old.equals(node.upstream()) || node.upstream() == null)) {
                    names.add(node.name());
                }
            }
            sources.add("no record of " + old + "'s synchronous standbys, so those configured to stream from it"
                    + " or tagged synchronous");
        }
        if (names.remove("*")) {
            topology.names().stream().filter(n -> !n.equals(old)).forEach(names::add);
            sources.add("'*' names every standby");
        }
        names.remove(old);
        return new Confirmers(List.copyOf(names), String.join("; ", sources));
    }

    /** Standbys that may have confirmed the failed primary's commits, and where the list comes from. */
    record Confirmers(List<String> names, String source) {
    }
}

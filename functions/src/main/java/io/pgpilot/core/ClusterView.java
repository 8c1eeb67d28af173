package io.pgpilot.core;

import java.time.Duration;
import java.util.List;

/** A topology and the observation of it read together, with the liveness rules the planner applies. */
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

    ClusterView(Topology topology, ClusterObservation observation, int probesRequired) {
        this.topology = Checks.notNull(topology, "topology");
        this.observation = Checks.notNull(observation, "cluster observation");
        observation.requireMatches(topology);
        this.probesRequired = probesRequired;
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

    /** Nodes that accept writes in the latest round, in topology order. */
    List<String> writable() {
        return topology.names().stream().filter(n -> now(n).writable()).toList();
    }

    /**
     * A node is down when EC2 says its instance is going away, or when it was unreachable in every
     * one of at least the required number of probe rounds and no node's WAL receiver streamed from
     * it meanwhile: a standby still streaming from it proves it alive and only the probe path broken.
     */
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
                if (other.reachable() && other.streamsFrom(node)) {
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
     * The furthest position seen: the primary's last recorded position, or any in-service node's
     * position in any round. Nodes tagged rebuild are left out: their WAL may be from another history.
     */
    Position bestKnown() {
        Position best = null;
        if (observation.lastKnownPrimaryLsn() != null) {
            best = new Position(observation.lastKnownPrimaryLsn(), "the primary's last recorded position");
        }
        for (ProbeRound round : observation.rounds()) {
            for (NodeObservation node : round.nodes()) {
                if (node.reachable() && tag(node.node()) != Role.REBUILD
                        && (best == null || node.position().isAfter(best.lsn()))) {
                    best = new Position(node.position(), node.node() + "'s position at " + round.at());
                }
            }
        }
        return best;
    }
}

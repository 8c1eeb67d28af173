package io.pgpilot.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Everything one invocation observed: several probe rounds, oldest first (the monitor probes
 * several times per invocation), the EC2 state of each node's instance, and the durable record
 * of the primary as it was last seen, by this invocation or an earlier one.
 *
 * @param ec2States by node name; a node left out is {@link Ec2State#UNKNOWN}
 * @param record    null when none was ever recorded
 */
public record ClusterObservation(List<ProbeRound> rounds, Map<String, Ec2State> ec2States, PrimaryRecord record) {

    public ClusterObservation {
        rounds = Checks.list(rounds, "probe rounds");
        if (rounds.isEmpty()) {
            throw new IllegalArgumentException("a cluster observation needs at least one probe round");
        }
        for (int i = 1; i < rounds.size(); i++) {
            if (rounds.get(i).at().isBefore(rounds.get(i - 1).at())) {
                throw new IllegalArgumentException("probe rounds must be oldest first: " + rounds.get(i).at()
                        + " comes after " + rounds.get(i - 1).at());
            }
        }
        ec2States = Map.copyOf(Checks.orderedMap(ec2States, "EC2 state"));
    }

    /**
     * One look made of this observation's rounds followed by {@code later}'s: how a run the
     * monitor started decides from the monitor's rounds plus the fresh one it takes under the
     * lease. {@code later}'s rounds must not be older than this one's latest, so they are the
     * latest of the whole; a node counts as down only if it was unreachable in every round of
     * both. The EC2 states are {@code later}'s (the newer reading), and so is the primary's
     * record when it has one.
     */
    public ClusterObservation followedBy(ClusterObservation later) {
        Checks.notNull(later, "later observation");
        if (later.rounds.get(0).at().isBefore(latest().at())) {
            throw new IllegalArgumentException("the later observation's first round at " + later.rounds.get(0).at()
                    + " is older than this observation's latest round at " + latest().at());
        }
        List<ProbeRound> all = new ArrayList<>(rounds);
        all.addAll(later.rounds);
        return new ClusterObservation(all, later.ec2States, later.record != null ? later.record : record);
    }

    public ProbeRound latest() {
        return rounds.get(rounds.size() - 1);
    }

    public Ec2State ec2State(String node) {
        return ec2States.getOrDefault(node, Ec2State.UNKNOWN);
    }

    /** Rejects an observation that does not cover exactly the topology's nodes in every round. */
    void requireMatches(Topology topology) {
        for (String node : ec2States.keySet()) {
            topology.node(node);
        }
        for (ProbeRound round : rounds) {
            for (NodeObservation observed : round.nodes()) {
                topology.node(observed.node());
                if (observed.upstream() != null) {
                    topology.node(observed.upstream());
                }
            }
            topology.names().forEach(round::node);
        }
    }
}

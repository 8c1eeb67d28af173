package io.pgpilot.core;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** One probe of every node, taken at {@code at}. */
public record ProbeRound(Instant at, List<NodeObservation> nodes) {

    public ProbeRound {
        Checks.notNull(at, "probe time");
        nodes = Checks.list(nodes, "observations of the round at " + at);
        Set<String> seen = new HashSet<>();
        for (NodeObservation node : nodes) {
            if (!seen.add(node.node())) {
                throw new IllegalArgumentException("the round at " + at + " observes " + node.node() + " twice");
            }
        }
    }

    public NodeObservation node(String name) {
        Checks.notNull(name, "node name");
        return nodes.stream().filter(n -> n.node().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the round at " + at + " has no observation of "
                        + Checks.quote(name)));
    }
}

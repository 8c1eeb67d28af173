package io.pgpilot.core.ports;

import io.pgpilot.core.NodeObservation;
import io.pgpilot.core.Topology;

/** Looks at one database node. Never throws for a node that cannot be reached: that is an observation. */
public interface NodeProbe {

    NodeObservation probe(Topology topology, String node);
}

package io.pgpilot.core.ports;

import io.pgpilot.core.NodeObservation;
import io.pgpilot.core.Topology;
import java.util.Optional;

/** Looks at one database node. Never throws for a node that cannot be reached: that is an observation. */
public interface NodeProbe {

    NodeObservation probe(Topology topology, String node);

    /**
     * The WAL archive as {@code node} (the primary) sees it; empty when it does not archive or
     * cannot be read. Read apart from {@link #probe}, which a failover waits for.
     */
    Optional<ArchiveStatus> archive(Topology topology, String node);
}

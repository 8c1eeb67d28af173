package io.pgpilot.core;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a base backup is taken. From a standby, so that the primary's disks and CPU do not copy
 * and compress the database: the standby that streams now (from the primary or, cascading, from
 * another standby), preferring one the primary's commits do not wait for (a backup's reads would
 * slow a synchronous standby's acknowledgements), then the one furthest ahead, then by name. The
 * primary backs itself up only when no standby of its database streams. Nothing is taken while the tagged primary
 * does not answer as writable: a failover comes first.
 */
public final class BackupPlanner {

    private BackupPlanner() {
    }

    public static Decision decide(Request.Backup request, Topology topology, ClusterObservation observation) {
        ProbeRound now = observation.latest();
        Optional<Topology.Node> tagged = topology.primary();
        if (tagged.isEmpty()) {
            return new Refusal("no " + request.describe() + ": no node is tagged primary");
        }
        String primary = tagged.get().name();
        NodeObservation primarySeen = now.node(primary);
        if (primarySeen == null || !primarySeen.writable()) {
            return new Refusal("no " + request.describe() + ": the primary " + primary + " does not answer as"
                    + " writable; a backup waits for the cluster to have its primary again");
        }
        List<String> synchronous = primarySeen.syncStandbys();
        Comparator<NodeObservation> preferred = Comparator
                .comparing((NodeObservation n) -> synchronous.contains(n.node()))
                .thenComparing(NodeObservation::position, Comparator.reverseOrder())
                .thenComparing(NodeObservation::node);
        Optional<NodeObservation> standby = topology.nodes().stream()
                .filter(n -> n.role() == Role.STANDBY)
                .map(n -> now.node(n.name()))
                .filter(n -> n != null && n.standby() && n.walReceiver() == WalReceiverStatus.STREAMING
                        && Objects.equals(n.systemIdentifier(), primarySeen.systemIdentifier()))
                .min(preferred);
        if (standby.isEmpty()) {
            return new Plan(primary, List.of(new Step.Backup(primary, primary, request.type())),
                    "a " + request.describe() + " of the primary " + primary + " itself: no standby streams now");
        }
        String node = standby.get().node();
        String why = synchronous.contains(node) ? "the synchronous standby, as no other streams"
                : "a standby the primary's commits do not wait for";
        return new Plan(primary, List.of(new Step.Backup(node, primary, request.type())),
                "a " + request.describe() + " from " + node + " (" + why + "), so the primary " + primary
                        + " only starts and stops it");
    }
}

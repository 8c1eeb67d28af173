package io.pgpilot.core.ports;

import io.pgpilot.core.Checks;
import java.util.List;

/**
 * Where an SSM command goes: instances by id, or instances by their pgpilot tags. Tag targets
 * are how operators run the same documents by hand, and a single SendCommand reaches every host
 * of a cluster.
 *
 * @param cluster     the pgpilot:cluster tag; null for an instance-id target
 * @param names       pgpilot:name tags within the cluster; empty for every host of the cluster
 * @param instanceIds empty for a tag target
 */
public record CommandTarget(String cluster, List<String> names, List<String> instanceIds) {

    public CommandTarget {
        names = List.copyOf(names);
        instanceIds = List.copyOf(instanceIds);
        names.forEach(name -> Checks.requireText(name, "target host name"));
        instanceIds.forEach(id -> Checks.requireText(id, "target instance id"));
        if (cluster == null ? instanceIds.isEmpty() || !names.isEmpty() : !instanceIds.isEmpty()) {
            throw new IllegalArgumentException("a command target is either a cluster (with optional host names)"
                    + " or instance ids, not both and not neither");
        }
    }

    /** Every host tagged with the cluster. */
    public static CommandTarget cluster(String cluster) {
        return new CommandTarget(Checks.requireText(cluster, "cluster name"), List.of(), List.of());
    }

    /** The named hosts of the cluster; the cluster tag keeps a same-named host of another cluster out. */
    public static CommandTarget hosts(String cluster, List<String> names) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("no host names given: use CommandTarget.cluster for every host");
        }
        return new CommandTarget(Checks.requireText(cluster, "cluster name"), names, List.of());
    }

    public static CommandTarget instances(List<String> instanceIds) {
        if (instanceIds.isEmpty()) {
            throw new IllegalArgumentException("no instance ids given");
        }
        return new CommandTarget(null, List.of(), instanceIds);
    }
}

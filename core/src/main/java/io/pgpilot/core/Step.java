package io.pgpilot.core;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One action of a plan. Every step is idempotent, so a run that died part-way can be repeated;
 * the workflow executes the steps in order and stops at the first that fails.
 */
public sealed interface Step {

    /** Make sure {@code node} cannot accept writes; done before anything is promoted. */
    record Fence(String node, How how) implements Step {

        public enum How {
            /** StopInstances (force-stop when it hangs): works whether or not the host answers. */
            STOP_INSTANCE,
            /** Stop PostgreSQL through SSM and block its restart: stops writes at once on a host that answers. */
            STOP_POSTGRES
        }

        public Fence {
            Checks.notNull(node, "node to fence");
            Checks.notNull(how, "how to fence " + node);
        }
    }

    /** pg_promote() on {@code node}, then wait until it is writable. */
    record Promote(String node) implements Step {

        public Promote {
            Checks.notNull(node, "node to promote");
        }
    }

    /** Point the standby's primary_conninfo at {@code upstream} (timeline latest) and restart its WAL receiver. */
    record Repoint(String node, String upstream) implements Step {

        public Repoint {
            Checks.notNull(node, "node to re-point");
            Checks.notNull(upstream, "new upstream of " + node);
            if (node.equals(upstream)) {
                throw new IllegalArgumentException(node + " cannot stream from itself");
            }
        }
    }

    /**
     * Set synchronous_standby_names on {@code primary} to the standbys that can satisfy it, in
     * priority order. Empty means asynchronous, so a lost synchronous standby never stops writes.
     */
    record SetSyncStandbys(String primary, List<String> standbys) implements Step {

        public SetSyncStandbys {
            Checks.notNull(primary, "primary");
            standbys = distinctNodes(standbys, primary, "synchronous standbys");
        }

        /** The setting's value: FIRST 1 waits for the first connected standby of the list. */
        public String setting() {
            if (standbys.isEmpty()) {
                return "";
            }
            return standbys.stream().map(name -> '"' + name + '"')
                    .collect(Collectors.joining(", ", "FIRST 1 (", ")"));
        }
    }

    /** Rewrite the managed /etc/hosts block on every host of the cluster (one SSM command to all of them). */
    record PublishHosts(Map<String, String> hosts) implements Step {

        public PublishHosts {
            hosts = Checks.orderedMap(hosts, "hosts to publish");
            if (!hosts.containsKey(Topology.PRIMARY_ALIAS)) {
                throw new IllegalArgumentException("a published hosts map must name " + Topology.PRIMARY_ALIAS);
            }
        }
    }

    /** UPSERT the private Route 53 record {@code name} to {@code address}. */
    record UpdateDnsRecord(String name, String address) implements Step {

        public UpdateDnsRecord {
            HostNames.requireHostName(name, "DNS record name");
            HostNames.requireAddress(address, "address of " + name);
        }
    }

    /** Tell the pgpool fleet which backend takes writes and which take reads. */
    record SetPgpoolBackends(String primary, List<String> standbys) implements Step {

        public SetPgpoolBackends {
            Checks.notNull(primary, "primary");
            standbys = distinctNodes(standbys, primary, "pgpool standbys");
        }
    }

    /**
     * Write the pgpilot:role tags. Demotions come first in the map and the promotion last, so an
     * interrupted retag never leaves two instances tagged primary. Always the last step of a plan:
     * the tags record that the transition completed.
     */
    record RetagInstances(Map<String, Role> roles) implements Step {

        public RetagInstances {
            roles = Checks.orderedMap(roles, "roles");
            if (roles.isEmpty()) {
                throw new IllegalArgumentException("nothing to retag");
            }
        }
    }

    /**
     * {@code node} is out of service and must be re-cloned from {@code upstream} before it rejoins
     * (the seed: "set up a new downstream standby"). Recorded and announced now; it can only run
     * once the instance is running again.
     */
    record RebuildStandby(String node, String upstream) implements Step {

        public RebuildStandby {
            Checks.notNull(node, "node to rebuild");
            Checks.notNull(upstream, "upstream to rebuild " + node + " from");
        }
    }

    /** Publish to the cluster's SNS topic. */
    record Notify(String subject, String message) implements Step {

        public Notify {
            Checks.notNull(subject, "subject");
            Checks.notNull(message, "message");
        }
    }

    private static List<String> distinctNodes(List<String> standbys, String primary, String what) {
        List<String> copy = Checks.list(standbys, what);
        Set<String> seen = new HashSet<>();
        for (String name : copy) {
            if (name.equals(primary) || !seen.add(name)) {
                throw new IllegalArgumentException(what + " " + copy + " must be distinct and exclude the primary "
                        + primary);
            }
        }
        return copy;
    }
}

package io.pgpilot.ec2;

import io.pgpilot.core.ClusterObservation;
import io.pgpilot.core.NodeObservation;
import io.pgpilot.core.PrimaryRecord;
import io.pgpilot.core.ProbeRound;
import io.pgpilot.core.Role;
import io.pgpilot.core.ports.Instances;
import io.pgpilot.core.ports.ArchiveStatus;
import io.pgpilot.core.ports.NodeProbe;
import io.pgpilot.core.ports.PrimaryRecords;
import io.pgpilot.runner.Log;
import io.pgpilot.runner.Pause;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Looks at the cluster: its tags and EC2 states (one DescribeInstances), then every database
 * node probed in rounds, {@code interval} apart, all nodes of a round in parallel so that a node
 * that times out does not delay the others. The time of each round comes from the injected clock.
 *
 * <p>A probe that the node refuses (authentication, privilege) propagates as an error: it is a
 * fault of pgpilot's set-up, and must never pass for the node being down.
 *
 * <p>Every observation that sees the primary records it durably ({@link PrimaryRecords}): its
 * position, its synchronous standbys and what they confirmed. That record is what a later
 * failover knows of the primary once it cannot be asked, so each observation carries it.
 */
public final class Observer {

    private final String cluster;
    private final Instances instances;
    private final NodeProbe probe;
    private final PrimaryRecords records;
    private final Clock clock;
    private final Pause pause;
    private final int rounds;
    private final Duration interval;
    private final Log log;

    /**
     * @param rounds   probe rounds per observation (the policy's confirmation probes)
     * @param interval from the start of one round to the start of the next
     */
    public Observer(String cluster, Instances instances, NodeProbe probe, PrimaryRecords records, Clock clock,
                    Pause pause, int rounds, Duration interval, Log log) {
        if (rounds < 1) {
            throw new IllegalArgumentException("probe rounds must be at least 1, was " + rounds);
        }
        if (interval.isNegative()) {
            throw new IllegalArgumentException("probe interval must not be negative, was " + interval);
        }
        this.cluster = cluster;
        this.instances = instances;
        this.probe = probe;
        this.records = records;
        this.clock = clock;
        this.pause = pause;
        this.rounds = rounds;
        this.interval = interval;
        this.log = log;
    }

    /** From the start of one probe round to the start of the next. */
    public Duration interval() {
        return interval;
    }

    /** The cluster as its tags say now. */
    public Inventory inventory() {
        return Inventory.of(cluster, instances.describe(cluster));
    }

    /**
     * The configured number of rounds, ending early after the first when EC2 already reports the
     * tagged primary's instance going away: that confirms its failure by itself, and every round
     * more would only delay the failover.
     */
    public ClusterObservation observe(Inventory inventory) {
        boolean primaryGoingDown = inventory.taggedPrimary()
                .map(p -> inventory.ec2States().get(p).isGoingDown()).orElse(false);
        return observe(inventory, primaryGoingDown ? 1 : rounds);
    }

    /** Exactly {@code count} rounds. */
    public ClusterObservation observe(Inventory inventory, int count) {
        List<ProbeRound> taken = new ArrayList<>();
        List<String> nodes = inventory.topology().names();
        ExecutorService pool = Executors.newFixedThreadPool(nodes.size(), runnable -> {
            Thread thread = new Thread(runnable, "pgpilot-probe");
            thread.setDaemon(true);
            return thread;
        });
        try {
            for (int i = 0; i < count; i++) {
                Instant start = clock.instant();
                List<Future<NodeObservation>> pending = new ArrayList<>();
                for (String node : nodes) {
                    pending.add(pool.submit(() -> probe.probe(inventory.topology(), node)));
                }
                List<NodeObservation> seen = new ArrayList<>();
                for (Future<NodeObservation> future : pending) {
                    seen.add(result(future));
                }
                taken.add(new ProbeRound(start, seen));
                if (i + 1 < count) {
                    Duration left = Duration.between(clock.instant(), start.plus(interval));
                    if (!left.isNegative() && !left.isZero()) {
                        pause.sleep(left);
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return new ClusterObservation(taken, inventory.ec2States(), record(inventory, taken));
    }

    /**
     * Records the primary as the latest round that saw one shows it (the tagged primary when it
     * accepts writes, else the one node in service that does), and returns the record that now
     * stands: this one, or the stored one when none was seen or the stored one is newer or of
     * another database. Several writable nodes (split brain) record nothing.
     */
    private PrimaryRecord record(Inventory inventory, List<ProbeRound> taken) {
        for (int i = taken.size() - 1; i >= 0; i--) {
            Optional<NodeObservation> primary = primaryIn(inventory, taken.get(i));
            if (primary.isPresent()) {
                PrimaryRecord seen = PrimaryRecord.of(cluster, primary.get(), taken.get(i).at());
                if (write(seen) == PrimaryRecords.Write.WRITTEN) {
                    return seen;
                }
                break;
            }
        }
        return records.read(cluster).orElse(null);
    }

    private Optional<NodeObservation> primaryIn(Inventory inventory, ProbeRound round) {
        Optional<NodeObservation> tagged = inventory.taggedPrimary().map(round::node)
                .filter(o -> o.writable() && o.systemIdentifier() != null);
        if (tagged.isPresent()) {
            return tagged;
        }
        List<NodeObservation> writable = round.nodes().stream()
                .filter(o -> o.writable() && o.systemIdentifier() != null
                        && inventory.topology().node(o.node()).role() != Role.REBUILD)
                .toList();
        return writable.size() == 1 ? Optional.of(writable.get(0)) : Optional.empty();
    }

    /**
     * Before {@code primary}'s synchronous_standby_names becomes {@code names}: records it naming
     * its current standbys and {@code names} together, so that no moment passes in which a standby
     * may confirm commits that the record does not name.
     *
     * @throws IllegalStateException when the primary does not answer as one, or is another database
     */
    public void recordBeforeSyncChange(Inventory inventory, String primary, List<String> names) {
        NodeObservation seen = probe(inventory, primary);
        if (!seen.writable() || seen.systemIdentifier() == null) {
            throw new IllegalStateException(primary + " does not answer as a primary, so its synchronous standbys are"
                    + " not changed");
        }
        PrimaryRecord widened = PrimaryRecord.of(cluster, seen, clock.instant()).widenedBy(names, clock.instant());
        PrimaryRecords.Write written = records.write(widened);
        if (written == PrimaryRecords.Write.OTHER_DATABASE) {
            throw new IllegalStateException(primary + " reports PostgreSQL system identifier "
                    + seen.systemIdentifier() + ", not the one recorded for cluster " + cluster
                    + ", so its synchronous standbys are not changed");
        }
    }

    private PrimaryRecords.Write write(PrimaryRecord seen) {
        try {
            PrimaryRecords.Write written = records.write(seen);
            if (written == PrimaryRecords.Write.OTHER_DATABASE) {
                log.warn("primary-record-kept", "cluster", cluster, "primary", seen.primary(),
                        "reason", seen.primary() + " reports PostgreSQL system identifier " + seen.systemIdentifier()
                                + ", not the recorded one: the record stays as it is");
            }
            return written;
        } catch (RuntimeException e) {
            // The record only gets older; the failover that reads it is the more cautious for it.
            log.warn("primary-record-failed", "cluster", cluster, "error", e.toString());
            return PrimaryRecords.Write.OLDER;
        }
    }

    /** One fresh probe of one node: what the executor verifies a step with. */
    public NodeObservation probe(Inventory inventory, String node) {
        return probe.probe(inventory.topology(), node);
    }

    /** The WAL archive as {@code node} (the primary) sees it; empty when it does not archive or cannot be read. */
    public Optional<ArchiveStatus> archive(Inventory inventory, String node) {
        return probe.archive(inventory.topology(), node);
    }

    private static NodeObservation result(Future<NodeObservation> future) {
        try {
            return future.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException("probe failed: " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while probing", e);
        }
    }
}

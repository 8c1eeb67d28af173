package io.pgpilot.workflow;

import io.pgpilot.adapters.Instances;
import io.pgpilot.adapters.NodeProbe;
import io.pgpilot.core.ClusterObservation;
import io.pgpilot.core.NodeObservation;
import io.pgpilot.core.ProbeRound;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
 */
public final class Observer {

    private final String cluster;
    private final Instances instances;
    private final NodeProbe probe;
    private final Clock clock;
    private final Pause pause;
    private final int rounds;
    private final Duration interval;

    /**
     * @param rounds   probe rounds per observation (the policy's confirmation probes)
     * @param interval from the start of one round to the start of the next
     */
    public Observer(String cluster, Instances instances, NodeProbe probe, Clock clock, Pause pause, int rounds,
                    Duration interval) {
        if (rounds < 1) {
            throw new IllegalArgumentException("probe rounds must be at least 1, was " + rounds);
        }
        if (interval.isNegative()) {
            throw new IllegalArgumentException("probe interval must not be negative, was " + interval);
        }
        this.cluster = cluster;
        this.instances = instances;
        this.probe = probe;
        this.clock = clock;
        this.pause = pause;
        this.rounds = rounds;
        this.interval = interval;
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
        return new ClusterObservation(taken, inventory.ec2States(), null);
    }

    /** One fresh probe of one node: what the executor verifies a step with. */
    public NodeObservation probe(Inventory inventory, String node) {
        return probe.probe(inventory.topology(), node);
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

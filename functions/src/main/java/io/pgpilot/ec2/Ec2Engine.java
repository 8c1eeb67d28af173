package io.pgpilot.ec2;

import io.pgpilot.core.Checks;
import io.pgpilot.core.ClusterObservation;
import io.pgpilot.core.ClusterPlanner;
import io.pgpilot.core.Decision;
import io.pgpilot.core.Ec2State;
import io.pgpilot.core.Handover;
import io.pgpilot.core.Lsn;
import io.pgpilot.core.NodeObservation;
import io.pgpilot.core.PgpoolReport;
import io.pgpilot.core.Request;
import io.pgpilot.core.Role;
import io.pgpilot.core.RunSoFar;
import io.pgpilot.core.Step;
import io.pgpilot.core.StepResult;
import io.pgpilot.core.ports.Instance;
import io.pgpilot.core.ports.Instances;
import io.pgpilot.core.ports.ArchiveStatus;
import io.pgpilot.core.ports.MetricSink;
import io.pgpilot.core.ports.NodeSample;
import io.pgpilot.runner.Engine;
import io.pgpilot.runner.KeepAlive;
import io.pgpilot.runner.Log;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * PostgreSQL on EC2 instances tagged pgpilot:cluster: looks are the tags and EC2 states (one
 * DescribeInstances per run, kept up to date by the run's own steps) and JDBC probe rounds;
 * {@link ClusterPlanner} decides; {@link Ec2StepExecutor} acts through EC2 and SSM.
 */
public final class Ec2Engine implements Engine {

    /**
     * The cluster as one look saw it.
     *
     * @param endedAt when its last probe round had ended
     */
    record Ec2Look(Inventory inventory, ClusterObservation observation, Instant endedAt) implements Look {

        @Override
        public String primary() {
            return inventory.taggedPrimary().orElse(null);
        }
    }

    private final String cluster;
    private final Instances instances;
    private final Observer observer;
    private final ClusterPlanner planner;
    private final Ec2StepExecutor executor;
    private final MetricSink metrics;
    private final Clock clock;
    private final Log log;

    public Ec2Engine(String cluster, Instances instances, Observer observer, ClusterPlanner planner,
                     Ec2StepExecutor executor, MetricSink metrics, Clock clock, Log log) {
        this.cluster = cluster;
        this.instances = instances;
        this.observer = observer;
        this.planner = planner;
        this.executor = executor;
        this.metrics = metrics;
        this.clock = clock;
        this.log = log;
    }

    @Override
    public Optional<String> unsupported(Request request) {
        if (request instanceof Request.Backup && !executor.archives()) {
            return Optional.of(request.describe() + ": cluster " + cluster + " has no WAL archive"
                    + " (PGPILOT_ARCHIVE_STANZA is not set); deploy it with one to take backups");
        }
        return Optional.empty();
    }

    /**
     * Stopping, stopped, shutting-down or terminated of a database node fails over; running
     * publishes the hosts map, and rejoins a node tagged rebuild (an old primary started again);
     * pending waits for running. Instances of other clusters, without pgpilot tags, unknown or not
     * database nodes are ignored with the reason.
     */
    @Override
    public Routing route(String instanceId, Ec2State state) {
        List<Instance> all = instances.describe(cluster);
        Optional<Instance> found = all.stream().filter(i -> i.instanceId().equals(instanceId)).findFirst();
        if (found.isEmpty()) {
            return new Routing.Ignore(whyNotOurs(instanceId, state));
        }
        Instance instance = found.get();
        String what = "EC2 " + instance.name() + " (" + instanceId + ") " + state.awsName();
        if (state == Ec2State.PENDING) {
            return new Routing.Ignore(what + ": pgpilot acts when it runs");
        }
        if (state == Ec2State.RUNNING) {
            return instance.role().filter(r -> r == Role.REBUILD).isPresent()
                    ? new Routing.Run(new Request.Rejoin(instance.name()), what)
                    : new Routing.Run(new Request.PublishHosts(), what);
        }
        if (instance.role().isEmpty()) {
            return new Routing.Ignore(what + ": " + instance.name() + " is not a database node ("
                    + Instances.ROLE_TAG + "=" + instance.roleTag() + "): nothing to fail over; the hosts map keeps"
                    + " it");
        }
        return new Routing.Run(new Request.Failover(false), what);
    }

    private String whyNotOurs(String instanceId, Ec2State state) {
        Optional<Map<String, String>> tags = instances.tagsOf(instanceId);
        String event = "instance " + instanceId + " " + state.awsName() + ": ";
        if (tags.isEmpty()) {
            return event + "EC2 knows no such instance (unknown or long terminated)";
        }
        String tagged = tags.get().get(Instances.CLUSTER_TAG);
        if (tagged == null || tagged.isBlank()) {
            return event + "it has no pgpilot tags (no " + Instances.CLUSTER_TAG + "): not a host pgpilot manages";
        }
        if (!tagged.equals(cluster)) {
            return event + "it belongs to pgpilot cluster " + Checks.quote(tagged) + ", not " + cluster;
        }
        return event + "it is tagged " + Instances.CLUSTER_TAG + "=" + tagged + " but has no " + Instances.NAME_TAG
                + ": not a host pgpilot manages";
    }

    /**
     * A report from one of this cluster's pgpool hosts (tagged pgpilot:role=pgpool) about one of
     * its database nodes runs the confirmation; a report from any other host, or about a host that
     * is no database node, is ignored with the reason. The run is called after the report, with a
     * note when pgpool resolved the node to another address than EC2 gives it (a stale hosts file
     * on that pgpool host).
     */
    @Override
    public Routing reported(PgpoolReport report) {
        Inventory inventory = observer.inventory();
        String what = report.describe();
        Instance reporter = inventory.hosts().get(report.pgpool());
        if (reporter == null || !Inventory.PGPOOL_ROLE.equals(reporter.roleTag())) {
            return new Routing.Ignore(what + ": " + report.pgpool() + " is not a pgpool host of cluster " + cluster
                    + " (no instance of it is tagged " + Instances.NAME_TAG + "=" + report.pgpool() + ", "
                    + Instances.ROLE_TAG + "=" + Inventory.PGPOOL_ROLE + "); nothing done");
        }
        if (!inventory.topology().names().contains(report.node())) {
            return new Routing.Ignore(what + ": cluster " + cluster + " has no database node " + report.node()
                    + " (its nodes: " + String.join(", ", inventory.topology().names()) + "); nothing done");
        }
        String address = inventory.topology().node(report.node()).address();
        String stale = report.address() == null || report.address().equals(address) ? ""
                : "; EC2 gives " + report.node() + " address " + address + ": that pgpool host's hosts file may be stale";
        return new Routing.Run(new Request.Reported(report.node(), "pgpool " + report.pgpool()), what + stale);
    }

    /**
     * All the configured rounds; or, for a run the monitor started ({@code handover} its look),
     * the monitor's rounds followed by exactly one fresh round, taken now under the lease. The
     * fresh round is always taken and is the latest, so what the planner acts on is the cluster as
     * it is once the lease is held, and a node counts as down only if it was unreachable in the
     * monitor's rounds and in this one too: a primary that answers again is not failed over.
     *
     * <p>The monitor's rounds are used only while {@link Handover} allows; otherwise the run
     * observes afresh with every round, as an alarm's run does.
     */
    @Override
    public Look look(Look handover) {
        Inventory inventory = observer.inventory();
        if (!(handover instanceof Ec2Look seen)) {
            return new Ec2Look(inventory, observer.observe(inventory), clock.instant());
        }
        Optional<String> stale = Handover.stale(seen.inventory().topology(), inventory.topology(), seen.endedAt(),
                clock.instant(), observer.interval());
        if (stale.isPresent()) {
            log.info("observe", "cluster", cluster, "rounds", "all", "reason", stale.get());
            return new Ec2Look(inventory, observer.observe(inventory), clock.instant());
        }
        ClusterObservation combined = seen.observation().followedBy(observer.observe(inventory, 1));
        log.info("observe", "cluster", cluster, "rounds", "monitor+1", "reason", "the monitor's "
                + seen.observation().rounds().size() + " probe rounds and one fresh round taken under the lease");
        return new Ec2Look(inventory, combined, clock.instant());
    }

    @Override
    public Look again(Look look) {
        Inventory inventory = ((Ec2Look) look).inventory();
        return new Ec2Look(inventory, observer.observe(inventory, 1), clock.instant());
    }

    @Override
    public Look monitor() {
        Inventory inventory = observer.inventory();
        ClusterObservation observation = observer.observe(inventory);
        return new Ec2Look(inventory, observation, clock.instant());
    }

    /**
     * The rejoin a run left pending: of the first node tagged rebuild that runs, does not stream
     * and has no rebuild running (its rebuild outlasted its run and then failed, or was never
     * sent), the same Rejoin run its running event starts. A node whose rebuild still runs is
     * waited for: fencing or rebuilding it again would break a rebuild that may yet succeed; once
     * it streams, the failover planner's convergence puts it back in service.
     */
    @Override
    public Optional<Routing> pending(Look look) {
        Ec2Look seen = (Ec2Look) look;
        List<String> waits = new ArrayList<>();
        for (String node : planner.awaitingRejoin(seen.inventory().topology(), seen.observation())) {
            Optional<String> rebuilding = executor.rebuildRunning(seen.inventory(), node);
            if (rebuilding.isEmpty()) {
                return Optional.of(new Routing.Run(new Request.Rejoin(node), "monitor: " + node + " is tagged rebuild"
                        + " and runs, but neither streams nor is being rebuilt"));
            }
            waits.add(node + " is being rebuilt (" + Ec2StepExecutor.REBUILD_STANDBY + " runs as SSM command "
                    + rebuilding.get() + "): the monitor waits for it to end");
        }
        return waits.isEmpty() ? Optional.empty() : Optional.of(new Routing.Ignore(String.join("; ", waits)));
    }

    /**
     * PrimaryReachable, NodeReachable and ReplicationLagBytes (how far each node's furthest WAL is
     * behind the primary: what a failover to it would lose), from the look's latest round.
     */
    @Override
    public void publish(Look look) {
        Ec2Look seen = (Ec2Look) look;
        Optional<String> primary = seen.inventory().taggedPrimary();
        ClusterObservation observation = seen.observation();
        NodeObservation primarySeen = primary.map(p -> observation.latest().node(p)).orElse(null);
        boolean primaryReachable = primarySeen != null && primarySeen.writable();
        Lsn primaryLsn = primaryReachable ? primarySeen.position() : null;
        List<NodeSample> samples = new ArrayList<>();
        for (NodeObservation node : observation.latest().nodes()) {
            Long lag = null;
            if (node.usable() && primaryLsn != null) {
                lag = Math.max(0, primaryLsn.bytesAfter(node.position()));
            }
            samples.add(new NodeSample(node.node(), node.reachable(), lag, null));
        }
        // Read after the decision, on its own connection: the failover's probe never waits for it.
        Optional<ArchiveStatus> archive = primaryReachable ? observer.archive(seen.inventory(), primary.get())
                : Optional.empty();
        try {
            metrics.publishProbe(cluster, primaryReachable, samples, observation.latest().at());
            archive.ifPresent(a -> metrics.publishArchive(cluster, a, observation.latest().at()));
        } catch (RuntimeException e) {
            // Metrics are for people; a failure to send them must not keep the monitor from acting.
            log.warn("metrics-failed", "cluster", cluster, "error", e.toString());
        }
        Map<String, Object> lags = new LinkedHashMap<>();
        samples.forEach(s -> lags.put(s.node(), s.reachable() ? s.lagBytes() : "unreachable"));
        log.info("probe", "cluster", cluster, "primary", primary.orElse(null), "primaryReachable", primaryReachable,
                "lagBytes", lags, "archiveWaitingSegments", archive.map(ArchiveStatus::waitingSegments).orElse(null),
                "archiveFailing", archive.map(ArchiveStatus::failing).orElse(null));
    }

    @Override
    public Decision decide(Request request, Look look, Look first, List<StepResult> results) {
        Ec2Look now = (Ec2Look) look;
        Ec2Look start = (Ec2Look) first;
        return planner.decide(request, now.inventory().topology(), now.observation(),
                new RunSoFar(start.inventory().topology(), start.observation(), results));
    }

    @Override
    public Set<Class<? extends Step>> executes() {
        return Ec2StepExecutor.STEPS;
    }

    /** Executes the step; the run's inventory then follows what it changed (an instance stopped, tags written). */
    @Override
    public Executed execute(Look look, Step step, KeepAlive lease) {
        Ec2Look seen = (Ec2Look) look;
        StepResult result = executor.execute(seen.inventory(), step, lease);
        Inventory after = seen.inventory();
        if (result.status() == StepResult.Status.DONE) {
            if (step instanceof Step.Fence fence && fence.how().stopsInstance()
                    && !after.host(fence.node()).state().isStopped()) {
                after = after.withState(fence.node(), fence.how() == Step.Fence.How.STOP_INSTANCE ? Ec2State.STOPPED
                        : Ec2State.STOPPING);
            } else if (step instanceof Step.RetagInstances retag) {
                after = after.retagged(retag.roles());
            }
        }
        return new Executed(result, new Ec2Look(after, seen.observation(), seen.endedAt()));
    }

    @Override
    public String describePrimary(String primary) {
        return "The primary is " + (primary == null ? "not tagged" : primary);
    }

    @Override
    public Optional<String> currentPrimary() {
        try {
            return observer.inventory().taggedPrimary();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}

package io.pgpilot.workflow;

import io.pgpilot.adapters.CloudWatchMetricSink;
import io.pgpilot.adapters.DynamoDbEventLedger;
import io.pgpilot.adapters.DynamoDbHistoryLog;
import io.pgpilot.adapters.DynamoDbLeases;
import io.pgpilot.adapters.DynamoDbPrimaryRecords;
import io.pgpilot.adapters.Ec2Instances;
import io.pgpilot.adapters.RdsDbClusters;
import io.pgpilot.adapters.Route53DnsRecords;
import io.pgpilot.adapters.Secrets;
import io.pgpilot.adapters.SnsNotifier;
import io.pgpilot.adapters.SsmCommands;
import io.pgpilot.core.Alert;
import io.pgpilot.core.Checks;
import io.pgpilot.core.ClusterObservation;
import io.pgpilot.core.Decision;
import io.pgpilot.core.Ec2State;
import io.pgpilot.core.FailoverPlanner;
import io.pgpilot.core.Lsn;
import io.pgpilot.core.NodeObservation;
import io.pgpilot.core.Plan;
import io.pgpilot.core.Refusal;
import io.pgpilot.core.Role;
import io.pgpilot.core.Step;
import io.pgpilot.core.Topology;
import io.pgpilot.core.ports.Commands;
import io.pgpilot.core.ports.DbClusters;
import io.pgpilot.core.ports.DnsRecords;
import io.pgpilot.core.ports.EndpointProbe;
import io.pgpilot.core.ports.EventLedger;
import io.pgpilot.core.ports.HistoryLog;
import io.pgpilot.core.ports.Instance;
import io.pgpilot.core.ports.Instances;
import io.pgpilot.core.ports.Leases;
import io.pgpilot.core.ports.MetricSink;
import io.pgpilot.core.ports.NodeProbe;
import io.pgpilot.core.ports.NodeSample;
import io.pgpilot.core.ports.Notifier;
import io.pgpilot.core.ports.PrimaryRecords;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What each kind of event leads to, for one cluster; the handlers parse an event and call one
 * method here. It also wires the real adapters from the environment ({@link #fromEnvironment}).
 *
 * <ul>
 *   <li>EC2 state change: an instance of another cluster, without pgpilot tags or unknown is
 *       ignored with the reason; running publishes the hosts map (and the DNS record) and, for a node
 *       tagged rebuild (an old primary started again), rejoins it as a standby; stopping,
 *       stopped, shutting-down or terminated of a database node runs the failover workflow.</li>
 *   <li>Alarm: ALARM of one of this cluster's alarms (named pgpilot-CLUSTER-...) runs the workflow,
 *       which confirms by probing.</li>
 *   <li>Monitor: probes (recording the primary as it sees it), publishes metrics, and runs the
 *       workflow when the planner would act; a failure the planner refuses to act on, and any node
 *       it excludes, is told to an operator once an hour while it lasts.</li>
 *   <li>Switchover: see {@link Switchover}.</li>
 * </ul>
 * With PGPILOT_ENGINE=aurora the alarm and the monitor run the Aurora workflow instead
 * ({@link AuroraWorkflow}: FailoverDBCluster to the best reader), under the same lease, ledger and
 * history; EC2 state changes and switchover requests are ignored with the reason.
 * Events are delivered at least once: an event id already handled is a no-op that reports the
 * current primary; an event whose handling failed is forgotten, so that its redelivery runs again.
 */
public final class Automation {

    /** How long a handled event id is remembered: beyond EventBridge's and Lambda's retry windows. */
    static final Duration EVENT_RETENTION = Duration.ofHours(24);
    /** How often a condition that lasts (a refused failover, an excluded node) is told again. */
    static final Duration ALERT_REPEAT = Duration.ofHours(1);

    private final ClusterConfig config;
    private final Instances instances;
    private final EventLedger events;
    private final Observer observer;
    private final FailoverPlanner planner;
    private final FailoverWorkflow workflow;
    /** The same workflow with a forced planner: an operator's explicit request, never an event's. */
    private final FailoverWorkflow forced;
    private final Switchover switchover;
    private final Rejoin rejoin;
    /** Null with the ec2 engine. */
    private final AuroraWorkflow aurora;
    private final MetricSink metrics;
    private final Notifier notifier;
    private final Clock clock;
    private final Log log;

    /** Everything wired from its collaborators, for the ec2 engine: see the full constructor. */
    public Automation(ClusterConfig config, Instances instances, Commands commands, NodeProbe probe, Leases leases,
                      EventLedger events, HistoryLog history, PrimaryRecords records, Notifier notifier,
                      DnsRecords dns, MetricSink metrics, Clock clock, Pause pause, Log log) {
        this(config, instances, commands, probe, leases, events, history, records, notifier, dns, metrics, clock, pause,
                log, null, null);
    }

    /**
     * Everything wired from its collaborators: the adapters (real or in-memory ones), the clock, the pause.
     *
     * @param dbClusters    RDS, for PGPILOT_ENGINE=aurora (required then; unused with ec2)
     * @param endpointProbe probes Aurora's endpoints; null when no database credentials are configured
     */
    public Automation(ClusterConfig config, Instances instances, Commands commands, NodeProbe probe, Leases leases,
                      EventLedger events, HistoryLog history, PrimaryRecords records, Notifier notifier,
                      DnsRecords dns, MetricSink metrics, Clock clock, Pause pause, Log log, DbClusters dbClusters,
                      EndpointProbe endpointProbe) {
        this.config = config;
        this.instances = instances;
        this.events = events;
        this.metrics = metrics;
        this.clock = clock;
        this.log = log;
        this.notifier = notifier;
        this.observer = new Observer(config.cluster(), instances, probe, records, clock, pause,
                config.confirmationProbes(), config.probeInterval(), log);
        this.planner = new FailoverPlanner(config.policy());
        StepExecutor executor = new StepExecutor(StepExecutor.Settings.of(config), instances, commands, observer,
                notifier, config.dnsConfigured() ? dns : null, clock, pause);
        this.workflow = new FailoverWorkflow(config.cluster(), planner, observer, executor, leases, history, metrics,
                notifier, config.leaseDuration(), clock, log);
        this.forced = new FailoverWorkflow(config.cluster(), new FailoverPlanner(config.policy().forced()), observer,
                executor, leases, history, metrics, notifier, config.leaseDuration(), clock, log);
        this.rejoin = new Rejoin(workflow, executor, log);
        this.switchover = new Switchover(workflow, planner, observer, executor, config.catchUpTimeout(),
                config.probeInterval(), clock, pause, log);
        this.aurora = config.aurora() ? new AuroraWorkflow(config, dbClusters, endpointProbe, workflow, history,
                metrics, notifier, clock, pause, log) : null;
    }

    /** The real adapters, configured from the environment (see {@link ClusterConfig}); no AWS call is made here. */
    public static Automation fromEnvironment() {
        return from(ClusterConfig.fromEnvironment());
    }

    /** The real adapters for CONFIG; their AWS clients still read endpoint, region and credentials from the environment. */
    public static Automation from(ClusterConfig config) {
        return from(config, System.out);
    }

    /** As {@link #from(ClusterConfig)}, with the JSON log lines to {@code logTo} (the drill keeps them in a file). */
    public static Automation from(ClusterConfig config, PrintStream logTo) {
        Clock clock = Clock.systemUTC();
        Secrets secrets = new Secrets();
        SecretProbe probe = config.dbSecret() == null ? null
                : new SecretProbe(() -> secrets.get(config.dbSecret()), config, clock);
        return new Automation(config, new Ec2Instances(), new SsmCommands(), probe,
                new DynamoDbLeases(config.stateTable()), new DynamoDbEventLedger(config.stateTable()),
                new DynamoDbHistoryLog(config.stateTable()), new DynamoDbPrimaryRecords(config.stateTable()),
                new SnsNotifier(config.topicArn()),
                config.dnsConfigured() ? new Route53DnsRecords(config.hostedZoneId()) : null,
                new CloudWatchMetricSink(config.metricsNamespace()), clock, Pause.real(), new Log(logTo, clock),
                config.aurora() ? new RdsDbClusters() : null, probe);
    }

    /** An event the handler could not read: logged and answered, nothing done. */
    public Outcome ignore(String reason) {
        Outcome outcome = Outcome.ignored(config.cluster(), reason);
        log.info("ignored", "cluster", config.cluster(), "reason", outcome.reason());
        return outcome;
    }

    // ------------------------------------------------------------------------ EC2 state change

    /**
     * An EC2 Instance State-change Notification.
     *
     * @param owner the Lambda request id: the lease owner
     */
    public Outcome onInstanceState(String eventId, String instanceId, Ec2State state, String owner) {
        if (aurora != null) {
            return ignore("instance " + instanceId + " " + state.awsName() + ": PGPILOT_ENGINE=aurora, so EC2 state"
                    + " changes are not pgpilot's to act on; Aurora DB cluster " + config.auroraClusterId()
                    + " is watched through its alarms and the monitor");
        }
        List<Instance> all = instances.describe(config.cluster());
        Optional<Instance> found = all.stream().filter(i -> i.instanceId().equals(instanceId)).findFirst();
        if (found.isEmpty()) {
            return ignore(whyNotOurs(instanceId, state));
        }
        Instance instance = found.get();
        String what = "EC2 " + instance.name() + " (" + instanceId + ") " + state.awsName();
        if (state == Ec2State.PENDING) {
            return ignore(what + ": pgpilot acts when it runs");
        }
        if (state == Ec2State.RUNNING) {
            if (instance.role().filter(r -> r == Role.REBUILD).isPresent()) {
                return once(eventId, what, () -> workflow.withLease(what, owner,
                        run -> rejoinStarted(run, instance.name(), what)));
            }
            return once(eventId, what, () -> workflow.withLease(what, owner, run -> publishHosts(run, what)));
        }
        if (instance.role().isEmpty()) {
            return ignore(what + ": " + instance.name() + " is not a database node (" + Instances.ROLE_TAG + "="
                    + instance.roleTag() + "): nothing to fail over; the hosts map keeps it");
        }
        return once(eventId, what, () -> workflow.run(what, owner));
    }

    private String whyNotOurs(String instanceId, Ec2State state) {
        Optional<Map<String, String>> tags = instances.tagsOf(instanceId);
        String event = "instance " + instanceId + " " + state.awsName() + ": ";
        if (tags.isEmpty()) {
            return event + "EC2 knows no such instance (unknown or long terminated)";
        }
        String cluster = tags.get().get(Instances.CLUSTER_TAG);
        if (cluster == null || cluster.isBlank()) {
            return event + "it has no pgpilot tags (no " + Instances.CLUSTER_TAG + "): not a host pgpilot manages";
        }
        if (!cluster.equals(config.cluster())) {
            return event + "it belongs to pgpilot cluster " + Checks.quote(cluster) + ", not " + config.cluster();
        }
        return event + "it is tagged " + Instances.CLUSTER_TAG + "=" + cluster + " but has no " + Instances.NAME_TAG
                + ": not a host pgpilot manages";
    }

    /** The hosts map of the tags now, to every host of the cluster (one command), and the DNS record. */
    private Outcome publishHosts(FailoverWorkflow.Run run, String what) {
        Inventory inventory = observer.inventory();
        Optional<String> primary = inventory.taggedPrimary();
        if (primary.isEmpty()) {
            return workflow.refused(run, null, what + ": no node is tagged primary, so there is no hosts map to"
                    + " publish; the failover workflow completes the transition that left none");
        }
        Topology topology = inventory.topology();
        List<Step> steps = new ArrayList<>();
        steps.add(new Step.PublishHosts(topology.hostsMap(primary.get())));
        if (config.dnsConfigured()) {
            steps.add(new Step.UpdateDnsRecord(config.dnsName(), topology.node(primary.get()).address()));
        }
        for (Step step : steps) {
            try {
                workflow.step(run, inventory, step);
            } catch (StepFailedException e) {
                return workflow.failed(run, primary.get(), what + ": " + e.getMessage(), e);
            }
        }
        String reason = what + ": published the hosts map of cluster " + config.cluster() + " with primary "
                + primary.get();
        log.info("published", "cluster", config.cluster(), "primary", primary.get(), "reason", reason);
        return new Outcome(Outcome.Action.PUBLISHED, config.cluster(), primary.get(), reason, run.steps(),
                run.millis());
    }

    /**
     * A node out of service (tagged rebuild: an old primary) runs again: every host gets the hosts
     * map first (its own still names it primary), then it rejoins as a standby of the primary, and
     * the cluster converges (synchronous standbys, pgpool, tags).
     */
    private Outcome rejoinStarted(FailoverWorkflow.Run run, String node, String what) {
        Outcome published = publishHosts(run, what);
        if (published.action() != Outcome.Action.PUBLISHED) {
            return published;
        }
        String primary = published.primary();
        Instant start = clock.instant();
        String why = rejoin.run(run, observer.inventory(), node, primary);
        run.time(Switchover.REJOIN, start, clock.instant());
        if (why != null) {
            return workflow.failed(run, primary, what + ": " + node + " did not rejoin as a standby of " + primary
                    + ": " + why + "; it is fenced again and stays tagged rebuild", null);
        }
        Outcome converged = workflow.converge(run, "after the rejoin of " + node, null);
        if (converged.failed()) {
            return converged;
        }
        return workflow.completed(run, primary, what + ": " + node + " rejoined as a standby of " + primary + ". "
                + converged.reason());
    }

    // ---------------------------------------------------------------------------------- alarms

    /** A CloudWatch Alarm State Change. */
    public Outcome onAlarm(String eventId, String alarmName, String state, String owner) {
        String prefix = "pgpilot-" + config.cluster() + "-";
        if (!alarmName.startsWith(prefix)) {
            return ignore("alarm " + Checks.quote(alarmName) + " is not one of cluster " + config.cluster()
                    + "'s (their names start with " + prefix + ")");
        }
        if (!"ALARM".equals(state)) {
            return ignore("alarm " + alarmName + " changed to " + Checks.quote(state) + ": only ALARM calls for action");
        }
        String what = "alarm " + alarmName + " in ALARM";
        if (aurora != null) {
            return once(eventId, what, () -> aurora.run(what, owner));
        }
        return once(eventId, what, () -> workflow.run(what, owner));
    }

    // --------------------------------------------------------------------------------- monitor

    /**
     * Probes every node {@link ClusterConfig#confirmationProbes()} times, publishes
     * PrimaryReachable, NodeReachable and ReplicationLagBytes (how far each node's furthest WAL is
     * behind the primary: what a failover to it would lose), then runs the workflow when the
     * planner would act on what it saw: a confirmed primary failure, a lost standby, a rogue writer.
     * That run takes one fresh round under the lease and decides from it and these rounds, so a
     * failure the monitor confirmed is not confirmed all over again.
     */
    public Outcome monitor(String owner) {
        if (aurora != null) {
            return aurora.monitor(owner);
        }
        Inventory inventory = observer.inventory();
        ClusterObservation observation = observer.observe(inventory);
        FailoverWorkflow.Look seen = new FailoverWorkflow.Look(inventory.topology(), observation, clock.instant());
        publishProbe(inventory, observation);
        Decision decision = planner.decide(inventory.topology(), observation);
        String primary = inventory.taggedPrimary().orElse(null);
        if (decision instanceof Plan plan && !plan.isNoOp()) {
            log.info("monitor", "cluster", config.cluster(), "decision", "act", "reason", plan.reason());
            // The run decides from these rounds and one fresh round under the lease: no second confirmation.
            return workflow.run("monitor: " + plan.reason(), owner, seen);
        }
        alert(decision.alerts());
        if (decision instanceof Refusal refusal && !refusal.alerts().isEmpty()) {
            // A failure pgpilot found and will not act on: tried again at the next tick.
            log.warn("monitor", "cluster", config.cluster(), "decision", "refusal", "primary", primary,
                    "reason", refusal.reason());
            return Outcome.of(Outcome.Action.REFUSED, config.cluster(), primary, refusal.reason());
        }
        String reason = decision instanceof Plan ? decision.reason()
                : "the planner would not act: " + decision.reason();
        log.info("monitor", "cluster", config.cluster(), "decision", decision instanceof Plan ? "no-op" : "refusal",
                "primary", primary, "reason", reason);
        return Outcome.of(Outcome.Action.OBSERVED, config.cluster(), primary, reason);
    }

    /**
     * Tells an operator each condition the planner raised, once per {@link #ALERT_REPEAT} while it
     * lasts: the monitor sees it at every tick, and a notification a minute would drown it. The
     * event ledger remembers what was told, under the alert's key.
     */
    private void alert(List<Alert> alerts) {
        for (Alert alert : alerts) {
            boolean tell;
            try {
                tell = events.markProcessed(config.cluster(), "alert#" + alert.key(), clock.instant(), ALERT_REPEAT);
            } catch (RuntimeException e) {
                log.warn("alert-ledger-failed", "cluster", config.cluster(), "key", alert.key(), "error", e.toString());
                tell = true;
            }
            log.warn("alert", "cluster", config.cluster(), "key", alert.key(), "notified", tell,
                    "reason", alert.message());
            if (tell) {
                try {
                    notifier.publish(alert.subject(), alert.message());
                } catch (RuntimeException e) {
                    log.error("notify-failed", "cluster", config.cluster(), "error", e.toString(),
                            "subject", alert.subject());
                }
            }
        }
    }

    private void publishProbe(Inventory inventory, ClusterObservation observation) {
        Optional<String> primary = inventory.taggedPrimary();
        NodeObservation primarySeen = primary.map(p -> observation.latest().node(p)).orElse(null);
        boolean primaryReachable = primarySeen != null && primarySeen.writable();
        Lsn primaryLsn = primaryReachable ? primarySeen.position() : null;
        List<NodeSample> samples = new ArrayList<>();
        for (NodeObservation node : observation.latest().nodes()) {
            Long lag = null;
            if (node.reachable() && primaryLsn != null) {
                lag = Math.max(0, primaryLsn.bytesAfter(node.position()));
            }
            samples.add(new NodeSample(node.node(), node.reachable(), lag, null));
        }
        try {
            metrics.publishProbe(config.cluster(), primaryReachable, samples, observation.latest().at());
        } catch (RuntimeException e) {
            // CloudWatchMetricSink are for people; a failure to send them must not keep the monitor from acting.
            log.warn("metrics-failed", "cluster", config.cluster(), "error", e.toString());
        }
        log.info("probe", "cluster", config.cluster(), "primary", primary.orElse(null),
                "primaryReachable", primaryReachable, "lagBytes", lags(samples));
    }

    private static Map<String, Object> lags(List<NodeSample> samples) {
        Map<String, Object> lags = new LinkedHashMap<>();
        samples.forEach(s -> lags.put(s.node(), s.reachable() ? s.lagBytes() : "unreachable"));
        return lags;
    }

    // ------------------------------------------------------------------------------ switchover

    /**
     * An operator's forced failover: the workflow with force, which promotes the best answering
     * standby even when it is not known to hold every acknowledged commit or is beyond the RPO
     * guard, and says what may be lost. The failure is still confirmed first.
     */
    public Outcome forcedFailover(String owner) {
        if (aurora != null) {
            return ignore("forced failover: PGPILOT_ENGINE=aurora; Aurora's own FailoverDBCluster fails over DB cluster "
                    + config.auroraClusterId());
        }
        return forced.run("operator: forced failover", owner);
    }

    public Outcome switchover(String target, String owner) {
        if (aurora != null) {
            return ignore("switchover to " + target + ": PGPILOT_ENGINE=aurora; a planned switchover of Aurora DB"
                    + " cluster " + config.auroraClusterId() + " is Aurora's own FailoverDBCluster with"
                    + " --target-db-instance-identifier " + target + ", which pgpilot does not drive yet");
        }
        return switchover.run(target, owner);
    }

    // --------------------------------------------------------------------------------- helpers

    /** Runs {@code action} for the first delivery of {@code eventId}; a redelivery reports the current primary. */
    private Outcome once(String eventId, String what, Supplier<Outcome> action) {
        Instant now = clock.instant();
        if (!events.markProcessed(config.cluster(), eventId, now, EVENT_RETENTION)) {
            String primary = currentPrimary().orElse(null);
            String reason = "event " + eventId + " (" + what + ") was already handled; nothing done. The "
                    + (aurora != null ? "writer is " + (primary == null ? "unknown" : primary)
                            : "primary is " + (primary == null ? "not tagged" : primary));
            log.info("duplicate", "cluster", config.cluster(), "eventId", eventId, "primary", primary, "reason", reason);
            return Outcome.of(Outcome.Action.DUPLICATE, config.cluster(), primary, reason);
        }
        Outcome outcome;
        try {
            outcome = action.get();
        } catch (RuntimeException e) {
            forget(eventId);
            throw e;
        }
        if (outcome.failed()) {
            forget(eventId);
        }
        return outcome;
    }

    private void forget(String eventId) {
        try {
            events.forget(config.cluster(), eventId);
        } catch (RuntimeException e) {
            log.error("forget-event-failed", "cluster", config.cluster(), "eventId", eventId, "error", e.toString());
        }
    }

    private Optional<String> currentPrimary() {
        if (aurora != null) {
            return aurora.currentWriter();
        }
        try {
            return observer.inventory().taggedPrimary();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}

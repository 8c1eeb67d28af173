package io.pgpilot.handlers;

import io.pgpilot.adapters.CloudWatchMetricSink;
import io.pgpilot.adapters.DynamoDbEventLedger;
import io.pgpilot.adapters.DynamoDbHistoryLog;
import io.pgpilot.adapters.DynamoDbLeases;
import io.pgpilot.adapters.DynamoDbMaintenanceMode;
import io.pgpilot.adapters.DynamoDbPrimaryRecords;
import io.pgpilot.adapters.Ec2Instances;
import io.pgpilot.adapters.JdbcProbe;
import io.pgpilot.adapters.RdsDbClusters;
import io.pgpilot.adapters.Route53DnsRecords;
import io.pgpilot.adapters.SecretProbe;
import io.pgpilot.adapters.Secrets;
import io.pgpilot.adapters.SnsNotifier;
import io.pgpilot.adapters.SsmCommands;
import io.pgpilot.aurora.AuroraEngine;
import io.pgpilot.config.ClusterConfig;
import io.pgpilot.core.Alert;
import io.pgpilot.core.Checks;
import io.pgpilot.core.ClusterPlanner;
import io.pgpilot.core.Decision;
import io.pgpilot.core.Ec2State;
import io.pgpilot.core.Maintenance;
import io.pgpilot.core.PgpoolReport;
import io.pgpilot.core.Plan;
import io.pgpilot.core.Refusal;
import io.pgpilot.core.Request;
import io.pgpilot.core.ports.Commands;
import io.pgpilot.core.ports.DbClusters;
import io.pgpilot.core.ports.DnsRecords;
import io.pgpilot.core.ports.EndpointProbe;
import io.pgpilot.core.ports.EventLedger;
import io.pgpilot.core.ports.HistoryLog;
import io.pgpilot.core.ports.Instances;
import io.pgpilot.core.ports.Lease;
import io.pgpilot.core.ports.Leases;
import io.pgpilot.core.ports.MaintenanceMode;
import io.pgpilot.core.ports.MetricSink;
import io.pgpilot.core.ports.NodeProbe;
import io.pgpilot.core.ports.Notifier;
import io.pgpilot.core.ports.PrimaryRecords;
import io.pgpilot.ec2.Ec2Engine;
import io.pgpilot.ec2.Ec2StepExecutor;
import io.pgpilot.ec2.Observer;
import io.pgpilot.runner.Engine;
import io.pgpilot.runner.Log;
import io.pgpilot.runner.Outcome;
import io.pgpilot.runner.Pause;
import io.pgpilot.runner.PlanRunner;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * What each kind of event asks of the cluster, for one cluster: the handlers parse an event and
 * call one method here, which turns it into a request for the {@link PlanRunner}. Which engine the
 * cluster runs on (PostgreSQL on EC2, or Aurora) is chosen once, when it is wired
 * ({@link #fromEnvironment}); routing never asks.
 *
 * <ul>
 *   <li>EC2 state change: what the engine makes of it ({@link Engine#route}): a failover, a rejoin,
 *       publishing the hosts map, or nothing with the reason.</li>
 *   <li>Alarm: ALARM of one of this cluster's alarms (named pgpilot-CLUSTER-...) runs a failover,
 *       which confirms by probing.</li>
 *   <li>Monitor: looks (recording the primary as it sees it), publishes metrics, and runs a
 *       failover when the planner would act, handing its look to the run; on a cluster with
 *       nothing to fail over, it finishes what a run left pending (a rejoin). A failure the
 *       planner refuses to act on, any node it excludes, and a tick that fails are told to an
 *       operator once an hour while they last.</li>
 *   <li>pgpool's report of a backend it detached: the same confirmation and plan as the monitor's,
 *       re-attaching the node in every pgpool when pgpilot finds no failure; reports of one node
 *       coalesced.</li>
 *   <li>Switchover and forced failover: an operator's requests.</li>
 * </ul>
 * Events are delivered at least once: an event id already handled is a no-op that reports the
 * current primary; an event whose handling failed is forgotten, so that its redelivery runs again.
 */
public final class EventRouter {

    /** How long a handled event id is remembered: beyond EventBridge's and Lambda's retry windows. */
    static final Duration EVENT_RETENTION = Duration.ofHours(24);
    /** How often a condition that lasts (a refused failover, an excluded node, a failing monitor) is told again. */
    static final Duration ALERT_REPEAT = Duration.ofHours(1);
    /**
     * How often the monitor starts the same pending run again (the rejoin of one node): a rebuild
     * that fails every time is a base backup and a failure notice every time, not every minute.
     */
    static final Duration PENDING_RETRY = Duration.ofHours(1);
    /**
     * How long reports of one node are coalesced into the run the first one started: longer than
     * the confirmation and plan take, so that late reports of a failure pgpilot acted on find it done.
     */
    static final Duration REPORT_WINDOW = Duration.ofSeconds(60);

    /** How often the monitor publishes its readings: CloudWatch's standard resolution, whatever the looks. */
    static final Duration METRICS_PERIOD = Duration.ofMinutes(1);
    /** How long beyond its watch a sentinel's lease lasts: its last look. */
    static final Duration SENTINEL_MARGIN = Duration.ofSeconds(10);

    private final ClusterConfig config;
    private final Engine engine;
    private final PlanRunner runner;
    private final Leases leases;
    private final MaintenanceMode maintenance;
    private final EventLedger events;
    private final Notifier notifier;
    private final Clock clock;
    private final Pause pause;
    private final Log log;
    /** When this instance (one per Lambda container) last published metrics and logged a quiet look. */
    private Instant published;
    private Instant quietLogged;
    private String quietReason;

    public EventRouter(ClusterConfig config, Engine engine, PlanRunner runner, Leases leases,
                       MaintenanceMode maintenance, EventLedger events, Notifier notifier, Clock clock, Pause pause,
                       Log log) {
        this.config = config;
        this.engine = engine;
        this.runner = runner;
        this.leases = leases;
        this.maintenance = maintenance;
        this.events = events;
        this.notifier = notifier;
        this.clock = clock;
        this.pause = pause;
        this.log = log;
    }

    /**
     * The router for PostgreSQL on EC2, wired from its collaborators (real adapters or in-memory ones).
     */
    public static EventRouter ec2(ClusterConfig config, Instances instances, Commands commands, NodeProbe probe,
                                  Leases leases, MaintenanceMode maintenance, EventLedger events, HistoryLog history,
                                  PrimaryRecords records, Notifier notifier, DnsRecords dns, MetricSink metrics,
                                  Clock clock, Pause pause, Log log) {
        Observer observer = new Observer(config.cluster(), instances, probe, records, clock, pause,
                config.confirmationProbes(), config.probeInterval(), log);
        Ec2StepExecutor executor = new Ec2StepExecutor(Ec2StepExecutor.Settings.of(config), instances, commands,
                observer, config.dnsConfigured() ? dns : null, clock, pause, log);
        Engine engine = new Ec2Engine(config.cluster(), instances, observer, new ClusterPlanner(config.policy()),
                executor, metrics, clock, log);
        return wire(config, engine, leases, maintenance, events, history, notifier, metrics, clock, pause, log);
    }

    /**
     * The router for an Aurora DB cluster.
     *
     * @param endpointProbe probes Aurora's endpoints; null when no database credentials are configured
     */
    public static EventRouter aurora(ClusterConfig config, DbClusters dbClusters, EndpointProbe endpointProbe,
                                     Leases leases, MaintenanceMode maintenance, EventLedger events,
                                     HistoryLog history, Notifier notifier, MetricSink metrics, Clock clock,
                                     Pause pause, Log log) {
        Engine engine = new AuroraEngine(config, dbClusters, endpointProbe, history, metrics, clock, pause, log);
        return wire(config, engine, leases, maintenance, events, history, notifier, metrics, clock, pause, log);
    }

    private static EventRouter wire(ClusterConfig config, Engine engine, Leases leases, MaintenanceMode maintenance,
                                    EventLedger events, HistoryLog history, Notifier notifier, MetricSink metrics,
                                    Clock clock, Pause pause, Log log) {
        PlanRunner runner = new PlanRunner(config.cluster(), engine, leases, maintenance, history, metrics, notifier,
                config.leaseDuration(), clock, log);
        return new EventRouter(config, engine, runner, leases, maintenance, events, notifier, clock, pause, log);
    }

    /** The real adapters, configured from the environment (see {@link ClusterConfig}); no AWS call is made here. */
    public static EventRouter fromEnvironment() {
        return from(ClusterConfig.fromEnvironment());
    }

    /** The real adapters for CONFIG; their AWS clients still read endpoint, region and credentials from the environment. */
    public static EventRouter from(ClusterConfig config) {
        return from(config, System.out);
    }

    /** As {@link #from(ClusterConfig)}, with the JSON log lines to {@code logTo} (the drill keeps them in a file). */
    public static EventRouter from(ClusterConfig config, PrintStream logTo) {
        return from(config, logTo, UnaryOperator.identity(), UnaryOperator.identity());
    }

    /**
     * As {@link #from(ClusterConfig, PrintStream)}, with the lease and Run Command adapters passed
     * through {@code wrapLeases} and {@code wrapCommands} first: the lab's drill wraps them to kill a run
     * part way, as a Lambda timeout kills one (nothing after the kill runs, the lease stays held).
     */
    public static EventRouter from(ClusterConfig config, PrintStream logTo, UnaryOperator<Leases> wrapLeases,
                                   UnaryOperator<Commands> wrapCommands) {
        Clock clock = Clock.systemUTC();
        Log log = new Log(logTo, clock);
        Secrets secrets = new Secrets();
        SecretProbe probe = config.dbSecret() == null ? null
                : new SecretProbe(() -> secrets.get(config.dbSecret()), new JdbcProbe.Settings(config.dbPort(),
                        config.dbName(), "(from the secret)", () -> "", config.sslMode(), config.sslRootCert(),
                        config.probeTimeout()), clock);
        Leases leases = wrapLeases.apply(new DynamoDbLeases(config.stateTable()));
        DynamoDbMaintenanceMode maintenance = new DynamoDbMaintenanceMode(config.stateTable());
        DynamoDbEventLedger events = new DynamoDbEventLedger(config.stateTable());
        DynamoDbHistoryLog history = new DynamoDbHistoryLog(config.stateTable());
        SnsNotifier notifier = new SnsNotifier(config.topicArn());
        CloudWatchMetricSink metrics = new CloudWatchMetricSink(config.metricsNamespace());
        if (config.aurora()) {
            return aurora(config, new RdsDbClusters(), probe, leases, maintenance, events, history, notifier, metrics,
                    clock, Pause.real(), log);
        }
        return ec2(config, new Ec2Instances(), wrapCommands.apply(new SsmCommands(config.names())), probe, leases, maintenance,
                events, history,
                new DynamoDbPrimaryRecords(config.stateTable()), notifier,
                config.dnsConfigured() ? new Route53DnsRecords(config.hostedZoneId()) : null, metrics, clock,
                Pause.real(), log);
    }

    /** An event the handler could not read: logged and answered, nothing done. */
    public Outcome ignore(String reason) {
        Outcome outcome = Outcome.ignored(config.cluster(), reason);
        log.info("ignored", "cluster", config.cluster(), "reason", outcome.reason());
        return outcome;
    }

    /**
     * An EC2 Instance State-change Notification.
     *
     * @param owner the Lambda request id: the lease owner
     */
    public Outcome onInstanceState(String eventId, String instanceId, Ec2State state, String owner) {
        Engine.Routing routing = engine.route(instanceId, state);
        if (routing instanceof Engine.Routing.Run run) {
            return once(eventId, run.trigger(), () -> runner.run(run.request(), run.trigger(), owner, null));
        }
        return ignore(((Engine.Routing.Ignore) routing).why());
    }

    /**
     * A pgpool's report of a backend it detached (source pgpilot.pgpool): read and checked
     * ({@link PgpoolReport#read}; refused with the reason), routed by the engine (a reporter or a
     * node that is not this cluster's is ignored), then the confirmation run, named after the
     * report. Reports of one node are coalesced: the first starts the run, and every other within
     * {@link #REPORT_WINDOW} (ten sessions, several pgpools, a redelivery) is answered COALESCED
     * without a look at the cluster. The window is reopened when the run did nothing (another run's
     * lease), failed (Lambda's retry runs it again), or ended with the node re-attached: pgpool
     * reports a node once per detachment, so a report after the re-attach is a new detachment and
     * must be confirmed afresh.
     *
     * @param detail the event's detail, untrusted
     */
    public Outcome onPgpoolReport(String eventId, Map<String, ?> detail, String owner) {
        PgpoolReport.Reading reading = PgpoolReport.read(detail, config.cluster());
        if (reading instanceof PgpoolReport.Refused refused) {
            return ignore("event " + Checks.quote(eventId) + ": " + refused.why());
        }
        PgpoolReport report = ((PgpoolReport.Accepted) reading).report();
        Engine.Routing routing = engine.reported(report);
        if (!(routing instanceof Engine.Routing.Run run)) {
            return ignore(((Engine.Routing.Ignore) routing).why());
        }
        String key = report.coalescingKey();
        if (!events.markProcessed(config.cluster(), key, clock.instant(), REPORT_WINDOW)) {
            String reason = run.trigger() + ": coalesced into the run that an earlier report of " + report.node()
                    + " started less than " + REPORT_WINDOW.toSeconds() + " s ago; nothing more done (event "
                    + eventId + ")";
            log.info("coalesced", "cluster", config.cluster(), "eventId", eventId, "node", report.node(),
                    "reason", reason);
            return Outcome.of(Outcome.Action.COALESCED, config.cluster(), null, reason);
        }
        Outcome outcome;
        try {
            outcome = runner.run(run.request(), run.trigger(), owner, null);
        } catch (RuntimeException e) {
            forget(key);
            throw e;
        }
        if (outcome.failed() || outcome.action() == Outcome.Action.LEASE_HELD
                || outcome.action() == Outcome.Action.REATTACHED) {
            forget(key);
        }
        return outcome;
    }

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
        return once(eventId, what, () -> runner.run(new Request.Failover(false), what, owner, null));
    }

    /**
     * Looks at the cluster (probe rounds, or Aurora's description), publishes the readings as
     * metrics, and runs a failover when the planner would act on what it saw: a confirmed primary
     * failure, a lost standby, a rogue writer. That run builds on this look (on EC2: one fresh
     * round under the lease), so a failure the monitor confirmed is not confirmed all over again.
     * With nothing to fail over, it runs what a run left pending ({@link Engine#pending}).
     *
     * <p>A tick that fails (an API error, a planner's exception) is logged as an error, told once
     * per {@link #ALERT_REPEAT} while it lasts, and thrown, so that Lambda counts the error: no run
     * started, so nothing else would tell that failures go undetected.
     */
    public Outcome monitor(String owner) {
        try {
            return tick(owner);
        } catch (RuntimeException e) {
            String reason = "the monitor of cluster " + config.cluster() + " failed: " + e.getClass().getSimpleName()
                    + ": " + e.getMessage();
            log.error("monitor-failed", "cluster", config.cluster(), "error", e.getClass().getName(), "reason", reason);
            alert(List.of(new Alert("monitor-failed", "pgpilot " + config.cluster() + ": the monitor fails", reason
                    + ". Until it works again, pgpilot finds no failure by probing (EC2 state changes and alarms"
                    + " still start runs). Told once an hour while it lasts; the log has every failed tick.")));
            throw e;
        }
    }

    /**
     * The schedule's invocation: the monitor's look again every probe interval for
     * PGPILOT_SENTINEL_SECONDS, so that a failure no event reports (a crash, a hang, a partition: EC2
     * emits nothing, and pgpool sees only its own paths) is found within about one look at any
     * moment, not at the next schedule a minute later. It ends early when a look acts (its outcome
     * is the invocation's; a refusal is looked at again, and is the invocation's outcome when the
     * last look refused), or when {@code remaining} (the invocation's time left) could no longer
     * hold a run. One sentinel at a time, under its own lease (never the
     * cluster's, which only runs take): an invocation that finds one watching looks once.
     */
    public Outcome watch(String owner, Supplier<Duration> remaining) {
        Instant start = clock.instant();
        Optional<Lease> lease = config.sentinel().isZero() ? Optional.empty()
                : leases.tryAcquire(sentinelKey(), owner, config.sentinel().plus(SENTINEL_MARGIN), start);
        if (lease.isEmpty()) {
            return monitor(owner);
        }
        try {
            Instant until = start.plus(config.sentinel());
            int looks = 0;
            while (true) {
                Outcome outcome = monitor(owner);
                looks++;
                // A refusal is looked at again: a crash between two probes of a round refuses
                // ("not confirmed") a moment before the next look confirms it.
                boolean quiet = outcome.action() == Outcome.Action.OBSERVED
                        || outcome.action() == Outcome.Action.LEASE_HELD || outcome.action() == Outcome.Action.REFUSED
                        || outcome.action() == Outcome.Action.PAUSED;
                boolean timeLeft = clock.instant().plus(config.probeInterval()).isBefore(until)
                        && remaining.get().compareTo(config.leaseDuration()) >= 0;
                if (!quiet || !timeLeft) {
                    return quiet ? Outcome.of(outcome.action(), outcome.cluster(), outcome.primary(), outcome.reason()
                            + " (watched " + Duration.between(start, clock.instant()).toSeconds() + " s, " + looks
                            + " looks)") : outcome;
                }
                pause.sleep(config.probeInterval());
            }
        } finally {
            leases.release(lease.get(), clock.instant());
        }
    }

    /** A sentinel looks many times a minute: a look that says the same as the last is logged once a minute. */
    private boolean fresh(String reason, Instant now) {
        if (reason.equals(quietReason) && quietLogged != null && now.isBefore(quietLogged.plus(METRICS_PERIOD))) {
            return false;
        }
        quietReason = reason;
        quietLogged = now;
        return true;
    }

    private String sentinelKey() {
        return config.cluster() + "#sentinel";
    }

    private Outcome tick(String owner) {
        Engine.Look look = engine.monitor();
        Instant now = clock.instant();
        if (published == null || !now.isBefore(published.plus(METRICS_PERIOD))) {
            engine.publish(look);
            published = now;
        }
        Request failover = new Request.Failover(false);
        Decision decision = engine.decide(failover, look, look, List.of());
        String primary = look.primary();
        alert(decision.alerts());
        if (decision instanceof Plan plan && !plan.isNoOp()) {
            Optional<Maintenance> paused = maintenance.current(config.cluster(), now);
            if (paused.isPresent() && !Maintenance.held(plan.steps()).isEmpty() && !events.markProcessed(
                    config.cluster(), "paused#" + Maintenance.held(plan.steps()).get(0), now, ALERT_REPEAT)) {
                // The run that holds the plan records and tells it once an hour, not at every look:
                // the sentinel looks many times a minute.
                return Outcome.of(Outcome.Action.PAUSED, config.cluster(), primary,
                        PlanRunner.heldReason(config.cluster(), paused.get(), plan) + " (recorded and told already)");
            }
            log.info("monitor", "cluster", config.cluster(), "decision", "act", "reason", plan.reason());
            return runner.run(failover, "monitor: " + plan.reason(), owner, look);
        }
        if (decision instanceof Refusal refusal && !refusal.alerts().isEmpty()) {
            // A failure pgpilot found and will not act on: tried again at the next look.
            if (fresh(refusal.reason(), now)) {
                log.warn("monitor", "cluster", config.cluster(), "decision", "refusal", "primary", primary,
                        "reason", refusal.reason());
            }
            return Outcome.of(Outcome.Action.REFUSED, config.cluster(), primary, refusal.reason());
        }
        String reason = decision instanceof Plan ? decision.reason()
                : "the planner would not act: " + decision.reason();
        if (decision instanceof Plan) {
            Engine.Routing pending = engine.pending(look).orElse(null);
            if (pending instanceof Engine.Routing.Run run) {
                return runPending(run, primary, owner);
            }
            if (pending instanceof Engine.Routing.Ignore waiting) {
                reason += " " + waiting.why();
            }
        }
        if (fresh(reason, now)) {
            log.info("monitor", "cluster", config.cluster(), "decision", decision instanceof Plan ? "no-op"
                    : "refusal", "primary", primary, "reason", reason);
        }
        return Outcome.of(Outcome.Action.OBSERVED, config.cluster(), primary, reason);
    }

    /**
     * Runs what a run left pending, at most once per {@link #PENDING_RETRY} for the same request:
     * the ledger remembers it under the request's name. A run that met another's lease did
     * nothing, so it is forgotten and tried at the next tick.
     */
    private Outcome runPending(Engine.Routing.Run pending, String primary, String owner) {
        String key = "pending#" + pending.request().describe();
        if (!events.markProcessed(config.cluster(), key, clock.instant(), PENDING_RETRY)) {
            String reason = pending.trigger() + "; the monitor started the " + pending.request().describe()
                    + " less than " + PENDING_RETRY.toMinutes() + " minutes ago and waits before it tries again";
            log.info("monitor", "cluster", config.cluster(), "decision", "wait", "primary", primary, "reason", reason);
            return Outcome.of(Outcome.Action.OBSERVED, config.cluster(), primary, reason);
        }
        log.info("monitor", "cluster", config.cluster(), "decision", "pending", "reason", pending.trigger());
        Outcome outcome = runner.run(pending.request(), pending.trigger(), owner, null);
        if (outcome.action() == Outcome.Action.LEASE_HELD) {
            forget(key);
        }
        return outcome;
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

    /** A scheduled (or an operator's) base backup of {@code type}: full, diff or incr. */
    public Outcome backup(String type, String owner) {
        return operator(new Request.Backup(type), owner);
    }

    /** An operator's planned switchover to {@code target}. */
    public Outcome switchover(String target, String owner) {
        return operator(new Request.Switchover(target), owner);
    }

    /**
     * An operator's forced failover: promotes the best answering standby even when it is not known
     * to hold every acknowledged commit or is beyond the RPO guard, and says what may be lost. The
     * failure is still confirmed first.
     */
    public Outcome forcedFailover(String owner) {
        return operator(new Request.Failover(true), owner);
    }

    private Outcome operator(Request request, String owner) {
        Optional<String> unsupported = engine.unsupported(request);
        if (unsupported.isPresent()) {
            return ignore(unsupported.get());
        }
        String trigger = request instanceof Request.Failover ? "operator: forced failover" : request.describe();
        return runner.run(request, trigger, owner, null);
    }

    /** Runs {@code action} for the first delivery of {@code eventId}; a redelivery reports the current primary. */
    private Outcome once(String eventId, String what, Supplier<Outcome> action) {
        Instant now = clock.instant();
        if (!events.markProcessed(config.cluster(), eventId, now, EVENT_RETENTION)) {
            String primary = engine.currentPrimary().orElse(null);
            String reason = "event " + eventId + " (" + what + ") was already handled; nothing done. "
                    + engine.describePrimary(primary);
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
        if (outcome.failed() || outcome.action() == Outcome.Action.LEASE_HELD) {
            // Forgotten, so that a delivery again runs it. Another run's lease is no error (the handler
            // returns, so no alarm fires on it): that run acts on the cluster, and the monitor's next
            // tick finishes what is left, a pending rejoin included, from what it observes.
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
}

package io.pgpilot.workflow;

import io.pgpilot.core.AuroraDecision;
import io.pgpilot.core.AuroraObservation;
import io.pgpilot.core.AuroraPlan;
import io.pgpilot.core.AuroraPlanner;
import io.pgpilot.core.AuroraStep;
import io.pgpilot.core.Refusal;
import io.pgpilot.core.ports.DbCluster;
import io.pgpilot.core.ports.DbClusters;
import io.pgpilot.core.ports.EndpointProbe;
import io.pgpilot.core.ports.HistoryEntry;
import io.pgpilot.core.ports.HistoryLog;
import io.pgpilot.core.ports.MetricSink;
import io.pgpilot.core.ports.NodeSample;
import io.pgpilot.core.ports.Notifier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The failover workflow of DESIGN.md for an Aurora DB cluster (PGPILOT_ENGINE=aurora), one run
 * per event, under the same cluster lease, history, metrics and notifications as the EC2 one
 * ({@link FailoverWorkflow}):
 * <ol>
 *   <li>take the cluster lease;</li>
 *   <li>observe: DescribeDBClusters and DescribeDBInstances; the cluster endpoint probed in rounds
 *       when database credentials are configured (skipped when RDS already reports the writer
 *       failed); the replicas' lag through the reader endpoint, best effort; pgpilot's last
 *       failover from the history;</li>
 *   <li>decide ({@link AuroraPlanner}, pure: an {@link AuroraPlan} or a {@link Refusal});</li>
 *   <li>execute: FailoverDBCluster to the chosen reader, then describe again until RDS reports it
 *       the writer, at most PGPILOT_COMMAND_TIMEOUT_SECONDS; then notify;</li>
 *   <li>record the history and the phase durations; release the lease.</li>
 * </ol>
 */
final class AuroraWorkflow {

    /** How often the writer is looked up while Aurora fails over. */
    static final Duration VERIFY_POLL = Duration.ofSeconds(2);
    /** History entries searched for pgpilot's last failover. */
    static final int HISTORY_DEPTH = 20;
    static final String FAILOVER_STEP = AuroraStep.FailoverDbCluster.class.getSimpleName();

    private final ClusterConfig config;
    private final DbClusters clusters;
    private final EndpointProbe probe;
    private final AuroraPlanner planner;
    private final FailoverWorkflow workflow;
    private final HistoryLog history;
    private final MetricSink metrics;
    private final Notifier notifier;
    private final Clock clock;
    private final Pause pause;
    private final Log log;

    /**
     * @param probe null when no database credentials are configured: the endpoint is then not probed,
     *              and only RDS's own status can confirm a failed writer
     */
    AuroraWorkflow(ClusterConfig config, DbClusters clusters, EndpointProbe probe, FailoverWorkflow workflow,
                   HistoryLog history, MetricSink metrics, Notifier notifier, Clock clock, Pause pause, Log log) {
        if (clusters == null) {
            throw new IllegalArgumentException("PGPILOT_ENGINE=aurora needs the RDS adapter (DbClusters)");
        }
        this.config = config;
        this.clusters = clusters;
        this.probe = probe;
        this.planner = new AuroraPlanner(config.cluster(), config.confirmationProbes(), config.auroraSettle());
        this.workflow = workflow;
        this.history = history;
        this.metrics = metrics;
        this.notifier = notifier;
        this.clock = clock;
        this.pause = pause;
        this.log = log;
    }

    /** One run of the workflow under the cluster lease. */
    Outcome run(String trigger, String owner) {
        return workflow.withLease(trigger, owner, this::failover);
    }

    /**
     * Observes, publishes PrimaryReachable and NodeReachable (and ReplicationLagSeconds where known),
     * and runs the workflow when the planner would fail over; otherwise reports what it saw.
     */
    Outcome monitor(String owner) {
        Seen seen = observe();
        publish(seen);
        AuroraDecision decision = planner.decide(seen.observation);
        String writer = writerOf(seen.observation);
        if (decision instanceof AuroraPlan plan && !plan.isNoOp()) {
            log.info("monitor", "cluster", config.cluster(), "decision", "act", "reason", plan.reason());
            return run("monitor: " + plan.reason(), owner);
        }
        String reason = decision instanceof AuroraPlan ? decision.reason()
                : "the planner would not act: " + decision.reason();
        log.info("monitor", "cluster", config.cluster(), "decision", decision instanceof AuroraPlan ? "no-op"
                : "refusal", "primary", writer, "reason", reason);
        return Outcome.of(Outcome.Action.OBSERVED, config.cluster(), writer, reason);
    }

    /** The writer RDS reports now; empty when it cannot tell (or cannot be asked). */
    Optional<String> currentWriter() {
        try {
            return clusters.describe(config.auroraClusterId()).writer().map(DbCluster.Member::instanceId);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    // --------------------------------------------------------------------------------- the run

    private Outcome failover(FailoverWorkflow.Run run) {
        Instant start = clock.instant();
        Seen seen = observe();
        run.time(FailoverWorkflow.DETECTION, start, clock.instant());
        start = clock.instant();
        AuroraDecision decision = planner.decide(seen.observation);
        run.time(FailoverWorkflow.DECISION, start, clock.instant());
        String writer = writerOf(seen.observation);
        if (decision instanceof Refusal refusal) {
            return workflow.refused(run, writer, refusal.reason());
        }
        AuroraPlan plan = (AuroraPlan) decision;
        if (plan.isNoOp()) {
            log.info("decision", "cluster", config.cluster(), "trigger", run.trigger, "decision", "no-op",
                    "primary", plan.writer(), "reason", plan.reason());
            return new Outcome(Outcome.Action.NO_OP, config.cluster(), plan.writer(), plan.reason(), List.of(),
                    run.millis());
        }
        log.info("decision", "cluster", config.cluster(), "trigger", run.trigger, "decision", "plan",
                "primary", plan.writer(), "steps", plan.steps().stream().map(AuroraStep::toString).toList(),
                "reason", plan.reason());
        List<AuroraStep> steps = plan.steps();
        boolean failedOver = false;
        for (int i = 0; i < steps.size(); i++) {
            AuroraStep step = steps.get(i);
            String failure = null;
            Exception cause = null;
            if (!workflow.renew(run)) {
                failure = FailoverWorkflow.leaseLost(run);
            } else {
                Instant began = clock.instant();
                try {
                    String detail = execute(step);
                    workflow.record(run, phaseOf(step), step.toString(), StepResult.Status.DONE.name(), detail,
                            Duration.between(began, clock.instant()));
                    failedOver |= step instanceof AuroraStep.FailoverDbCluster;
                } catch (RuntimeException e) {
                    failure = e instanceof StepError ? e.getMessage() : e.getClass().getSimpleName() + ": "
                            + e.getMessage();
                    cause = e;
                }
            }
            if (failure != null) {
                // After the failover itself the writer is known: the history keeps it, so a redelivery is a no-op.
                return workflow.failed(run, failedOver ? plan.writer() : null, "step " + (i + 1) + " of "
                        + steps.size() + " failed: " + step + " failed: " + failure
                        + FailoverWorkflow.stepsBefore(run) + "; the next run re-plans from what it observes", cause);
            }
        }
        return workflow.completed(run, plan.writer(), plan.reason());
    }

    private String execute(AuroraStep step) {
        if (step instanceof AuroraStep.FailoverDbCluster failover) {
            return failOverTo(failover);
        } else if (step instanceof AuroraStep.Notify notify) {
            return "published to SNS as message " + notifier.publish(notify.subject(), notify.message());
        }
        throw new IllegalStateException("no execution for Aurora step type " + step.getClass().getName());
    }

    /** FailoverDBCluster, then describe until the target is the writer, at most the command timeout. */
    private String failOverTo(AuroraStep.FailoverDbCluster step) {
        DbCluster before = clusters.describe(step.clusterId());
        if (isWriter(before, step.target())) {
            return step.target() + " already is the writer of DB cluster " + step.clusterId()
                    + "; FailoverDBCluster not called";
        }
        Instant started = clock.instant();
        clusters.failover(step.clusterId(), step.target());
        Instant deadline = started.plus(config.commandTimeout());
        DbCluster seen = null;
        RuntimeException lastError = null;
        while (true) {
            try {
                seen = clusters.describe(step.clusterId());
                lastError = null;
                if (isWriter(seen, step.target())) {
                    return "FailoverDBCluster accepted; RDS reports " + step.target() + " the writer after "
                            + Duration.between(started, clock.instant()).toMillis() + " ms (cluster " + seen.status()
                            + ", endpoint " + seen.endpoint() + ")";
                }
            } catch (RuntimeException e) {
                // A describe that fails while Aurora works (throttling) is retried until the deadline.
                lastError = e;
            }
            Duration left = Duration.between(clock.instant(), deadline);
            if (left.isNegative() || left.isZero()) {
                throw new StepError("FailoverDBCluster was accepted but RDS does not report " + step.target()
                        + " the writer after " + config.commandTimeout().toSeconds() + " s ("
                        + (lastError != null ? "last describe failed: " + lastError
                        : "writer " + seen.writer().map(DbCluster.Member::instanceId).orElse("none")
                                + ", cluster " + seen.status()) + ")");
            }
            pause.sleep(left.compareTo(VERIFY_POLL) < 0 ? left : VERIFY_POLL);
        }
    }

    private static boolean isWriter(DbCluster cluster, String instance) {
        return cluster.writer().map(m -> m.instanceId().equals(instance)).orElse(false);
    }

    private static String phaseOf(AuroraStep step) {
        return step instanceof AuroraStep.FailoverDbCluster ? FailoverWorkflow.PROMOTE : FailoverWorkflow.COMPLETION;
    }

    /** A step that failed, in words: the run's reason. */
    private static final class StepError extends RuntimeException {

        StepError(String message) {
            super(message, null, false, false);
        }
    }

    // ---------------------------------------------------------------------------- observation

    /** The observation and the cluster as described, for the endpoints and metrics. */
    private record Seen(DbCluster cluster, AuroraObservation observation) {
    }

    private Seen observe() {
        DbCluster cluster = clusters.describe(config.auroraClusterId());
        List<DbCluster.Member> writers = cluster.members().stream().filter(DbCluster.Member::writer)
                .toList();
        List<AuroraObservation.Endpoint> probes = new ArrayList<>();
        boolean probeWriter = probe != null && writers.size() == 1 && cluster.endpoint() != null
                && !AuroraPlanner.reportedFailed(writers.get(0).status());
        if (probeWriter) {
            for (int i = 0; i < config.confirmationProbes(); i++) {
                Instant start = clock.instant();
                AuroraObservation.Endpoint answer = probe.answer(cluster.endpoint());
                probes.add(answer);
                if (answer != AuroraObservation.Endpoint.UNREACHABLE || i + 1 == config.confirmationProbes()) {
                    break;
                }
                Duration left = Duration.between(clock.instant(), start.plus(config.probeInterval()));
                if (!left.isNegative() && !left.isZero()) {
                    pause.sleep(left);
                }
            }
        }
        Map<String, Long> lags = Map.of();
        if (probe != null && cluster.readerEndpoint() != null) {
            try {
                lags = probe.replicaLagMillis(cluster.readerEndpoint());
            } catch (RuntimeException e) {
                log.warn("replica-lag-failed", "cluster", config.cluster(), "error", e.toString());
            }
        }
        Map<String, Long> lag = lags;
        List<AuroraObservation.Member> members = cluster.members().stream()
                .map(m -> new AuroraObservation.Member(m.instanceId(), m.writer(), m.status(), m.availabilityZone(),
                        m.writer() ? null : lag.get(m.instanceId()), m.promotionTier()))
                .toList();
        AuroraObservation observation = new AuroraObservation(cluster.id(), cluster.status(), members, probes,
                lastFailover(), clock.instant());
        log.info("observed", "cluster", config.cluster(), "dbCluster", cluster.id(), "status", cluster.status(),
                "members", members.stream().map(m -> (m.writer() ? "writer " : "reader ") + m.describe()).toList(),
                "endpointProbes", probes.stream().map(Enum::name).toList());
        return new Seen(cluster, observation);
    }

    /** pgpilot's latest run that made a reader the writer (completed, or failed only after the failover). */
    private AuroraObservation.LastFailover lastFailover() {
        try {
            for (HistoryEntry entry : history.recent(config.cluster(), HISTORY_DEPTH)) {
                boolean failedOver = entry.steps().stream()
                        .anyMatch(line -> line.startsWith(FAILOVER_STEP + "[") && line.contains("]: DONE: "));
                if (failedOver && entry.primary() != null) {
                    return new AuroraObservation.LastFailover(entry.primary(), entry.startedAt());
                }
            }
            return null;
        } catch (RuntimeException e) {
            // Without it a repeated event is judged on the endpoint alone: logged, not fatal.
            log.warn("history-read-failed", "cluster", config.cluster(), "error", e.toString());
            return null;
        }
    }

    private void publish(Seen seen) {
        AuroraObservation observation = seen.observation;
        List<AuroraObservation.Endpoint> probes = observation.endpointProbes();
        Optional<AuroraObservation.Member> writer = observation.writer();
        boolean writerReachable = probes.isEmpty()
                ? writer.map(w -> "available".equals(w.status())).orElse(false)
                : probes.get(probes.size() - 1) == AuroraObservation.Endpoint.WRITER;
        List<NodeSample> samples = observation.members().stream()
                .map(m -> new NodeSample(m.instanceId(), "available".equals(m.status()), null,
                        m.lagMillis() == null ? null : Duration.ofMillis(m.lagMillis())))
                .toList();
        try {
            metrics.publishProbe(config.cluster(), writerReachable, samples, observation.at());
        } catch (RuntimeException e) {
            log.warn("metrics-failed", "cluster", config.cluster(), "error", e.toString());
        }
        log.info("probe", "cluster", config.cluster(), "primary", writer.map(AuroraObservation.Member::instanceId)
                .orElse(null), "primaryReachable", writerReachable);
    }

    private static String writerOf(AuroraObservation observation) {
        return observation.writer().map(AuroraObservation.Member::instanceId).orElse(null);
    }
}

package io.pgpilot.aurora;

import io.pgpilot.config.ClusterConfig;
import io.pgpilot.core.AuroraObservation;
import io.pgpilot.core.AuroraPlanner;
import io.pgpilot.core.Decision;
import io.pgpilot.core.Ec2State;
import io.pgpilot.core.PgpoolReport;
import io.pgpilot.core.Request;
import io.pgpilot.core.Step;
import io.pgpilot.core.StepResult;
import io.pgpilot.core.ports.DbCluster;
import io.pgpilot.core.ports.DbClusters;
import io.pgpilot.core.ports.EndpointProbe;
import io.pgpilot.core.ports.HistoryEntry;
import io.pgpilot.core.ports.HistoryLog;
import io.pgpilot.core.ports.MetricSink;
import io.pgpilot.core.ports.NodeSample;
import io.pgpilot.runner.Engine;
import io.pgpilot.runner.KeepAlive;
import io.pgpilot.runner.Log;
import io.pgpilot.runner.Pause;
import io.pgpilot.runner.StepFailedException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An Aurora DB cluster (PGPILOT_ENGINE=aurora), under the same runner, lease, history, metrics and
 * notifications as PostgreSQL on EC2:
 * <ul>
 *   <li>look: DescribeDBClusters and DescribeDBInstances; the cluster endpoint probed in rounds
 *       when database credentials are configured (skipped when RDS already reports the writer
 *       failed); the replicas' lag through the reader endpoint, best effort; pgpilot's last
 *       failover from the history;</li>
 *   <li>decide: {@link AuroraPlanner} (FailoverDBCluster to the best reader, then notify);</li>
 *   <li>execute: FailoverDBCluster, then describe again until RDS reports the target the writer,
 *       at most PGPILOT_COMMAND_TIMEOUT_SECONDS.</li>
 * </ul>
 * Aurora fails over by itself too; EC2 state changes, switchovers and forced failovers are not
 * pgpilot's to drive here, and are ignored with the reason.
 */
public final class AuroraEngine implements Engine {

    /** How often the writer is looked up while Aurora fails over. */
    static final Duration VERIFY_POLL = Duration.ofSeconds(2);
    /** History entries searched for pgpilot's last failover. */
    static final int HISTORY_DEPTH = 20;
    static final String FAILOVER_STEP = Step.FailoverDbCluster.class.getSimpleName();
    /** The steps this engine executes; {@link PlanRunner} executes its Notify steps. */
    public static final Set<Class<? extends Step>> STEPS = Set.of(Step.FailoverDbCluster.class);

    /** The cluster as described, and the planner's observation of it. */
    record AuroraLook(DbCluster cluster, AuroraObservation observation) implements Look {

        @Override
        public String primary() {
            return observation.writer().map(AuroraObservation.Member::instanceId).orElse(null);
        }
    }

    private final ClusterConfig config;
    private final DbClusters clusters;
    private final EndpointProbe probe;
    private final AuroraPlanner planner;
    private final HistoryLog history;
    private final MetricSink metrics;
    private final Clock clock;
    private final Pause pause;
    private final Log log;

    /**
     * @param probe null when no database credentials are configured: the endpoint is then not probed,
     *              and only RDS's own status can confirm a failed writer
     */
    public AuroraEngine(ClusterConfig config, DbClusters clusters, EndpointProbe probe, HistoryLog history,
                        MetricSink metrics, Clock clock, Pause pause, Log log) {
        if (clusters == null) {
            throw new IllegalArgumentException("PGPILOT_ENGINE=aurora needs the RDS adapter (DbClusters)");
        }
        this.config = config;
        this.clusters = clusters;
        this.probe = probe;
        this.planner = new AuroraPlanner(config.cluster(), config.confirmationProbes(), config.auroraSettle());
        this.history = history;
        this.metrics = metrics;
        this.clock = clock;
        this.pause = pause;
        this.log = log;
    }

    @Override
    public Optional<String> unsupported(Request request) {
        if (request instanceof Request.Switchover switchover) {
            return Optional.of("switchover to " + switchover.target() + ": PGPILOT_ENGINE=aurora; a planned switchover"
                    + " of Aurora DB cluster " + config.auroraClusterId() + " is Aurora's own FailoverDBCluster with"
                    + " --target-db-instance-identifier " + switchover.target() + ", which pgpilot does not drive yet");
        }
        if (request instanceof Request.Failover failover && failover.forced()) {
            return Optional.of("forced failover: PGPILOT_ENGINE=aurora; Aurora's own FailoverDBCluster fails over DB"
                    + " cluster " + config.auroraClusterId());
        }
        if (request instanceof Request.Backup) {
            return Optional.of(request.describe() + ": PGPILOT_ENGINE=aurora; Aurora DB cluster "
                    + config.auroraClusterId() + " backs itself up continuously (its backup retention)");
        }
        return request instanceof Request.Failover ? Optional.empty()
                : Optional.of(request.describe() + ": PGPILOT_ENGINE=aurora has no hosts of its own");
    }

    @Override
    public Routing route(String instanceId, Ec2State state) {
        return new Routing.Ignore("instance " + instanceId + " " + state.awsName() + ": PGPILOT_ENGINE=aurora, so EC2"
                + " state changes are not pgpilot's to act on; Aurora DB cluster " + config.auroraClusterId()
                + " is watched through its alarms and the monitor");
    }

    /** Aurora's failover is its own: pgpool addresses its endpoints, which follow the writer. */
    @Override
    public Routing reported(PgpoolReport report) {
        return new Routing.Ignore(report.describe() + ": PGPILOT_ENGINE=aurora, so pgpool's backends are Aurora DB"
                + " cluster " + config.auroraClusterId() + "'s endpoints, which RDS fails over itself; the writer is"
                + " watched through its alarms and the monitor");
    }

    @Override
    public Look look(Look handover) {
        return observe();
    }

    @Override
    public Look again(Look look) {
        return observe();
    }

    @Override
    public Look monitor() {
        return observe();
    }

    /** Nothing: Aurora's failover is one call, awaited within the command timeout, which the lease outlasts. */
    @Override
    public Optional<Routing> pending(Look look) {
        return Optional.empty();
    }

    @Override
    public Decision decide(Request request, Look look, Look first, List<StepResult> results) {
        return planner.decide(((AuroraLook) look).observation());
    }

    @Override
    public Set<Class<? extends Step>> executes() {
        return STEPS;
    }

    @Override
    public Executed execute(Look look, Step step, KeepAlive lease) {
        if (!(step instanceof Step.FailoverDbCluster failover)) {
            throw new IllegalStateException("no execution for step type " + step.getClass().getName()
                    + " in AuroraEngine: see executes()");
        }
        Instant began = clock.instant();
        String detail;
        try {
            detail = failOverTo(failover);
        } catch (StepFailedException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new StepFailedException(step, e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
        return new Executed(new StepResult(step, StepResult.Status.DONE, detail,
                Duration.between(began, clock.instant())), look);
    }

    @Override
    public String describePrimary(String writer) {
        return "The writer is " + (writer == null ? "unknown" : writer);
    }

    /** The writer RDS reports now; empty when it cannot tell (or cannot be asked). */
    @Override
    public Optional<String> currentPrimary() {
        try {
            return clusters.describe(config.auroraClusterId()).writer().map(DbCluster.Member::instanceId);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** FailoverDBCluster, then describe until the target is the writer, at most the command timeout. */
    private String failOverTo(Step.FailoverDbCluster step) {
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
                throw new StepFailedException(step, "FailoverDBCluster was accepted but RDS does not report "
                        + step.target() + " the writer after " + config.commandTimeout().toSeconds() + " s ("
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

    // ---------------------------------------------------------------------------- observation

    private AuroraLook observe() {
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
        return new AuroraLook(cluster, observation);
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

    /** PrimaryReachable and NodeReachable (and ReplicationLagSeconds where known). */
    @Override
    public void publish(Look look) {
        AuroraObservation observation = ((AuroraLook) look).observation();
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
}

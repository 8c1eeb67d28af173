package io.pgpilot.workflow;

import io.pgpilot.core.ClusterObservation;
import io.pgpilot.core.Decision;
import io.pgpilot.core.FailoverPlanner;
import io.pgpilot.core.Plan;
import io.pgpilot.core.Refusal;
import io.pgpilot.core.Step;
import io.pgpilot.core.Topology;
import io.pgpilot.core.ports.HistoryEntry;
import io.pgpilot.core.ports.HistoryLog;
import io.pgpilot.core.ports.Lease;
import io.pgpilot.core.ports.Leases;
import io.pgpilot.core.ports.MetricSink;
import io.pgpilot.core.ports.Notifier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The failover workflow of DESIGN.md, one run per event:
 * <ol>
 *   <li>take the cluster lease; a concurrent run gets "another run holds the lease" and does nothing;</li>
 *   <li>observe (tags, EC2 states, probe rounds; a run the monitor started takes one fresh round
 *       and reuses the monitor's, see {@link #observe});</li>
 *   <li>decide (the pure planner: a Plan or a Refusal, with its reason);</li>
 *   <li>execute the plan's steps in order, renewing the lease before each and stopping at the
 *       first that fails (a run that lost its lease stops too: someone else may act now);</li>
 *   <li>record the history and the phase durations (metrics);</li>
 *   <li>release the lease.</li>
 * </ol>
 * A repeated event after a completed transition gets an empty plan from the planner: the run
 * reports the current primary and changes nothing. Every decision and refusal is logged with
 * its reason; a failure or refusal is also notified, since nobody else would hear of it.
 */
public final class FailoverWorkflow {

    static final String DETECTION = "detection";
    static final String DECISION = "decision";
    static final String FENCE = "fence";
    static final String PROMOTE = "promote";
    static final String REPOINT = "repoint";
    static final String ROUTING = "routing";
    static final String COMPLETION = "completion";
    static final String TOTAL = "total";

    private final String cluster;
    private final FailoverPlanner planner;
    private final Observer observer;
    private final StepExecutor executor;
    private final Leases leases;
    private final HistoryLog history;
    private final MetricSink metrics;
    private final Notifier notifier;
    private final Duration leaseDuration;
    private final Clock clock;
    private final Log log;

    public FailoverWorkflow(String cluster, FailoverPlanner planner, Observer observer, StepExecutor executor,
                            Leases leases, HistoryLog history, MetricSink metrics, Notifier notifier,
                            Duration leaseDuration, Clock clock, Log log) {
        this.cluster = cluster;
        this.planner = planner;
        this.observer = observer;
        this.executor = executor;
        this.leases = leases;
        this.history = history;
        this.metrics = metrics;
        this.notifier = notifier;
        this.leaseDuration = leaseDuration;
        this.clock = clock;
        this.log = log;
    }

    /**
     * One run of the workflow.
     *
     * @param trigger what started it, for the log and the history ("EC2 i-0abc stopped", "alarm ...")
     * @param owner   who holds the lease while it runs: the Lambda request id
     */
    public Outcome run(String trigger, String owner) {
        return withLease(trigger, owner, run -> failover(run, null));
    }

    /**
     * One run started by the monitor, which has just observed the cluster as {@code seen}: the run
     * decides from the monitor's rounds and one fresh round taken under the lease (see
     * {@link #observe}), rather than confirming a second time.
     */
    Outcome run(String trigger, String owner, Look seen) {
        return withLease(trigger, owner, run -> failover(run, seen));
    }

    /**
     * What the monitor observed before it started a run.
     *
     * @param topology    the cluster as the tags were when it probed
     * @param observation its probe rounds
     * @param endedAt     when its last round had ended
     */
    record Look(Topology topology, ClusterObservation observation, Instant endedAt) {
    }

    private Outcome failover(Run run, Look seen) {
        Instant start = clock.instant();
        Inventory inventory = observer.inventory();
        ClusterObservation observation = observe(run, inventory, seen);
        run.time(DETECTION, start, clock.instant());
        start = clock.instant();
        Decision decision = planner.decide(inventory.topology(), observation);
        run.time(DECISION, start, clock.instant());
        if (decision instanceof Refusal refusal) {
            return refused(run, inventory.taggedPrimary().orElse(null), refusal.reason());
        }
        Plan plan = (Plan) decision;
        if (plan.isNoOp()) {
            log.info("decision", "cluster", cluster, "trigger", run.trigger, "decision", "no-op",
                    "primary", plan.primary(), "reason", plan.reason());
            return new Outcome(Outcome.Action.NO_OP, cluster, plan.primary(), plan.reason(), List.of(), run.millis());
        }
        log.info("decision", "cluster", cluster, "trigger", run.trigger, "decision", "plan", "primary", plan.primary(),
                "steps", plan.steps().stream().map(Step::toString).toList(), "reason", plan.reason());
        return execute(run, inventory, plan, null);
    }

    /**
     * The run's observation: all the configured rounds; or, for a run the monitor started
     * ({@code seen} not null), the monitor's rounds followed by exactly one fresh round, taken now
     * under the lease. The fresh round is always taken and is the latest, so what the planner acts
     * on is the cluster as it is once the lease is held, and a node counts as down only if it was
     * unreachable in the monitor's rounds and in this one too: a primary that answers again is not
     * failed over.
     *
     * <p>The monitor's rounds are used only while they and the fresh one are one look at one
     * outage: the tags are as the monitor saw them (no run completed a transition meanwhile), and
     * the fresh round begins at most one probe interval plus {@link #HANDOVER} after the monitor's
     * last round ended. Otherwise the run observes afresh with every round, as an alarm's run does.
     */
    private ClusterObservation observe(Run run, Inventory inventory, Look seen) {
        if (seen == null) {
            return observer.observe(inventory);
        }
        String stale = stale(seen, inventory.topology(), clock.instant());
        if (stale != null) {
            log.info("observe", "cluster", cluster, "trigger", run.trigger, "rounds", "all", "reason", stale);
            return observer.observe(inventory);
        }
        ClusterObservation combined = seen.observation().followedBy(observer.observe(inventory, 1));
        log.info("observe", "cluster", cluster, "trigger", run.trigger, "rounds", "monitor+1",
                "reason", "the monitor's " + seen.observation().rounds().size() + " probe rounds and one fresh round"
                        + " taken under the lease");
        return combined;
    }

    /**
     * How long after the monitor's last round its run's fresh round may begin, beyond one probe
     * interval, for the monitor's rounds to count. In a full observation the next round begins at
     * most one interval after the previous one ended; between the monitor's last round and its
     * run's fresh round come the planner, the CloudWatch metrics, the DynamoDB lease and one
     * DescribeInstances, a few hundred ms. 2 s lets one slow call through while keeping the rounds
     * spaced like one observation's, far inside the lease's term (30 s at least) and the monitor's
     * schedule (a minute). A later handover (retries, throttling) costs a full observation.
     */
    static final Duration HANDOVER = Duration.ofSeconds(2);

    /** Why the monitor's rounds may not stand for this run's confirmation; null when they may. */
    private String stale(Look seen, Topology now, Instant at) {
        if (!seen.topology().equals(now)) {
            return "the tags changed since the monitor probed (another run may have acted), so this run observes"
                    + " afresh with every round";
        }
        Duration gap = Duration.between(seen.endedAt(), at);
        Duration limit = observer.interval().plus(HANDOVER);
        if (gap.isNegative()) {
            return "the clock went back " + gap.negated().toMillis() + " ms since the monitor's probe rounds, so this"
                    + " run observes afresh with every round";
        }
        if (gap.compareTo(limit) > 0) {
            return "the monitor's probe rounds ended " + gap.toMillis() + " ms ago, beyond the probe interval + "
                    + HANDOVER.toSeconds() + " s (" + limit.toMillis() + " ms), so this run observes afresh with"
                    + " every round";
        }
        return null;
    }

    // ------------------------------------------------------------- shared with the switchover

    /** Runs {@code body} under the cluster lease; any error in it becomes a FAILED outcome, recorded and notified. */
    Outcome withLease(String trigger, String owner, Function<Run, Outcome> body) {
        Instant started = clock.instant();
        Optional<Lease> lease = leases.tryAcquire(cluster, owner, leaseDuration, started);
        if (lease.isEmpty()) {
            String holder = leases.holder(cluster, clock.instant())
                    .map(l -> l.owner() + " (epoch " + l.epoch() + ", until " + l.expiresAt() + ")")
                    .orElse("a run that has just released it");
            String reason = "another run holds the lease of cluster " + cluster + ": " + holder
                    + "; this run (" + trigger + ") does nothing";
            log.info("lease-held", "cluster", cluster, "trigger", trigger, "reason", reason);
            return Outcome.of(Outcome.Action.LEASE_HELD, cluster, null, reason);
        }
        Run run = new Run(trigger, started, lease.get());
        log.info("lease-taken", "cluster", cluster, "trigger", trigger, "owner", owner, "epoch", lease.get().epoch());
        try {
            return body.apply(run);
        } catch (RuntimeException e) {
            return failed(run, null, e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        } finally {
            try {
                if (!leases.release(run.lease, clock.instant())) {
                    log.warn("lease-lost", "cluster", cluster, "epoch", run.lease.epoch(),
                            "reason", "the lease was no longer this run's when it was released");
                }
            } catch (RuntimeException e) {
                log.error("lease-release-failed", "cluster", cluster, "error", e.toString(),
                        "reason", "the lease runs out by itself at " + run.lease.expiresAt());
            }
        }
    }

    /** Executes {@code plan}'s steps in order under {@code run}'s lease, then records the completed run. */
    Outcome execute(Run run, Inventory inventory, Plan plan, String subject) {
        Outcome failure = executeSteps(run, inventory, plan, subject);
        return failure != null ? failure : completed(run, plan.primary(), plan.reason());
    }

    /**
     * A fresh look and the planner's plan for the rest, executed under {@code run}; the outcome of
     * that plan (COMPLETED or NO_OP here; history is the caller's to record).
     *
     * @param when    when this happens, for the refusal's reason ("after the switch")
     * @param subject the notification's subject instead of the planner's; null to keep it
     */
    Outcome converge(Run run, String when, String subject) {
        Inventory inventory = observer.inventory();
        ClusterObservation observation = observer.observe(inventory, 1);
        Decision decision = planner.decide(inventory.topology(), observation);
        if (decision instanceof Refusal refusal) {
            return failed(run, null, when + " the planner refuses to converge: " + refusal.reason(), null);
        }
        Plan plan = (Plan) decision;
        log.info("decision", "cluster", cluster, "trigger", run.trigger, "decision", "converge",
                "steps", plan.steps().stream().map(Step::toString).toList(), "reason", plan.reason());
        if (plan.isNoOp()) {
            return new Outcome(Outcome.Action.NO_OP, cluster, plan.primary(), plan.reason(), List.of(), Map.of());
        }
        Outcome failure = executeSteps(run, inventory, plan, subject);
        return failure != null ? failure : Outcome.of(Outcome.Action.COMPLETED, cluster, plan.primary(), plan.reason());
    }

    /**
     * Executes {@code plan}'s steps in order; null when all ran, else the FAILED outcome (recorded
     * and notified). What a rebuild could not do (deferred, still running, failed) is added to the
     * plan's notification.
     *
     * @param subject the notification's subject instead of the planner's; null to keep it
     */
    Outcome executeSteps(Run run, Inventory inventory, Plan plan, String subject) {
        List<Step> steps = plan.steps();
        for (int i = 0; i < steps.size(); i++) {
            Step step = steps.get(i);
            if (step instanceof Step.Notify notify) {
                String message = run.notes.isEmpty() ? notify.message()
                        : notify.message() + "\n\nNot done in this run:\n- " + String.join("\n- ", run.notes);
                run.notes.clear();
                step = new Step.Notify(subject == null ? notify.subject() : subject, message);
            }
            try {
                step(run, inventory, step);
            } catch (StepFailedException e) {
                return failed(run, null, "step " + (i + 1) + " of " + steps.size() + " failed: " + e.getMessage()
                        + stepsBefore(run) + "; the next run re-plans from what it observes", e);
            }
        }
        return null;
    }

    /** Renews the lease, executes one step, records its result and phase; throws StepFailedException. */
    StepResult step(Run run, Inventory inventory, Step step) {
        if (!renew(run)) {
            throw new StepFailedException(step, leaseLost(run));
        }
        StepResult result = executor.execute(inventory, step);
        record(run, result);
        return result;
    }

    /** Extends the run's lease before an action; false when the run lost it (someone else may act now). */
    boolean renew(Run run) {
        Optional<Lease> renewed = leases.renew(run.lease, leaseDuration, clock.instant());
        renewed.ifPresent(lease -> run.lease = lease);
        return renewed.isPresent();
    }

    /** Why a run whose {@link #renew} failed stops. */
    static String leaseLost(Run run) {
        return "this run lost the cluster lease (epoch " + run.lease.epoch() + ") before the step: another run may"
                + " be acting, so this one stops";
    }

    /** Records a step result executed outside {@link #step} (a rejoin's rebuild). */
    void record(Run run, StepResult result) {
        if (result.status() != StepResult.Status.DONE && result.status() != StepResult.Status.SKIPPED) {
            run.notes.add(result.detail());
        }
        record(run, phaseOf(result.step()), result.step().toString(), result.status().name(), result.detail(),
                result.took());
    }

    /**
     * Records one executed step of any kind (an EC2 {@link Step}, an Aurora step): its line in the
     * result and the history ({@link StepResult#describe}'s form), its phase time, and the log.
     */
    void record(Run run, String phase, String step, String status, String detail, Duration took) {
        run.lines.add(step + ": " + status + ": " + detail + " (" + took.toMillis() + " ms)");
        run.add(phase, took);
        if (StepResult.Status.FAILED.name().equals(status)) {
            log.warn("step", "cluster", cluster, "step", step, "status", status, "detail", detail,
                    "millis", took.toMillis());
        } else {
            log.info("step", "cluster", cluster, "step", step, "status", status, "detail", detail,
                    "millis", took.toMillis());
        }
    }

    Outcome completed(Run run, String primary, String reason) {
        Map<String, Duration> phases = run.withTotal(clock.instant());
        log.info("completed", "cluster", cluster, "trigger", run.trigger, "primary", primary,
                "phases", millis(phases), "reason", reason);
        record(run, "completed", primary, reason, phases);
        try {
            metrics.publishPhases(cluster, phases, clock.instant());
        } catch (RuntimeException e) {
            log.warn("metrics-failed", "cluster", cluster, "error", e.toString());
        }
        return new Outcome(Outcome.Action.COMPLETED, cluster, primary, reason, run.steps(), millis(phases));
    }

    Outcome refused(Run run, String primary, String reason) {
        log.warn("decision", "cluster", cluster, "trigger", run.trigger, "decision", "refusal", "primary", primary,
                "reason", reason);
        Map<String, Duration> phases = run.withTotal(clock.instant());
        record(run, "refused", primary, reason, phases);
        notify("pgpilot " + cluster + ": no action: " + reason, reason + "\n\nTrigger: " + run.trigger);
        return new Outcome(Outcome.Action.REFUSED, cluster, primary, reason, run.steps(), millis(phases));
    }

    Outcome failed(Run run, String primary, String reason, Throwable cause) {
        log.error("failed", "cluster", cluster, "trigger", run.trigger, "reason", reason,
                "steps", run.steps(), "error", cause == null ? null : cause.getClass().getName());
        Map<String, Duration> phases = run.withTotal(clock.instant());
        record(run, "failed", primary, reason, phases);
        notify("pgpilot " + cluster + ": FAILED: " + reason, reason + "\n\nTrigger: " + run.trigger
                + "\nSteps executed:\n" + String.join("\n", run.steps()));
        try {
            metrics.publishPhases(cluster, phases, clock.instant());
        } catch (RuntimeException e) {
            log.warn("metrics-failed", "cluster", cluster, "error", e.toString());
        }
        return new Outcome(Outcome.Action.FAILED, cluster, primary, reason, run.steps(), millis(phases));
    }

    // ----------------------------------------------------------------------------- helpers

    private void record(Run run, String outcome, String primary, String reason, Map<String, Duration> phases) {
        try {
            history.append(new HistoryEntry(cluster, run.started, run.lease.epoch(), outcome, primary,
                    reason, run.steps(), phases));
        } catch (RuntimeException e) {
            log.error("history-failed", "cluster", cluster, "error", e.toString());
        }
    }

    private void notify(String subject, String message) {
        try {
            notifier.publish(subject, message);
        } catch (RuntimeException e) {
            log.error("notify-failed", "cluster", cluster, "error", e.toString(), "subject", subject);
        }
    }

    static String stepsBefore(Run run) {
        return run.lines.isEmpty() ? "" : " (after " + run.lines.size() + " completed step"
                + (run.lines.size() == 1 ? "" : "s") + ")";
    }

    static String phaseOf(Step step) {
        if (step instanceof Step.Fence) {
            return FENCE;
        } else if (step instanceof Step.Promote) {
            return PROMOTE;
        } else if (step instanceof Step.Repoint || step instanceof Step.SetSyncStandbys) {
            return REPOINT;
        } else if (step instanceof Step.PublishHosts || step instanceof Step.UpdateDnsRecord
                || step instanceof Step.SetPgpoolBackends) {
            return ROUTING;
        }
        return COMPLETION;
    }

    static Map<String, Long> millis(Map<String, Duration> phases) {
        Map<String, Long> millis = new LinkedHashMap<>();
        phases.forEach((phase, took) -> millis.put(phase, took.toMillis()));
        return millis;
    }

    /** One run under the lease: what it did so far and how long each phase took. */
    static final class Run {

        final String trigger;
        final Instant started;
        Lease lease;
        final Map<String, Duration> phases = new LinkedHashMap<>();
        /** Every step executed, one line each, in order. */
        final List<String> lines = new ArrayList<>();
        /** Rebuilds deferred, still running or failed: told in the plan's notification. */
        final List<String> notes = new ArrayList<>();

        Run(String trigger, Instant started, Lease lease) {
            this.trigger = trigger;
            this.started = started;
            this.lease = lease;
        }

        void time(String phase, Instant from, Instant to) {
            add(phase, Duration.between(from, to));
        }

        void add(String phase, Duration took) {
            phases.merge(phase, took, Duration::plus);
        }

        Map<String, Duration> withTotal(Instant now) {
            Map<String, Duration> all = new LinkedHashMap<>(phases);
            all.put(TOTAL, Duration.between(started, now));
            return all;
        }

        List<String> steps() {
            return List.copyOf(lines);
        }

        Map<String, Long> millis() {
            return FailoverWorkflow.millis(phases);
        }
    }
}

package io.pgpilot.runner;

import io.pgpilot.core.Decision;
import io.pgpilot.core.Maintenance;
import io.pgpilot.core.Plan;
import io.pgpilot.core.Refusal;
import io.pgpilot.core.Request;
import io.pgpilot.core.Step;
import io.pgpilot.core.StepResult;
import io.pgpilot.core.ports.HistoryEntry;
import io.pgpilot.core.ports.HistoryLog;
import io.pgpilot.core.ports.Lease;
import io.pgpilot.core.ports.Leases;
import io.pgpilot.core.ports.MaintenanceMode;
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
import java.util.Set;

/**
 * The one place plans run, for every request and every engine:
 * <ol>
 *   <li>take the cluster lease; a concurrent run gets "another run holds the lease" and does nothing;</li>
 *   <li>look at the cluster (the engine's look: one inventory read per run);</li>
 *   <li>ask the engine's planner (a Plan or a Refusal, with its reason); in maintenance (paused) a
 *       plan that would change the cluster is held, recorded and notified with what it would do;</li>
 *   <li>execute the plan's steps in order, renewing the lease before each (and letting a step that
 *       waits longer renew it between its polls), stopping at the first that fails (a run that lost
 *       its lease stops too: someone else may act now); each step's effect is verified by its
 *       executor;</li>
 *   <li>a request that converges is planned again from a fresh look, with what the run has done so
 *       far, until nothing is left to do or the planner refuses;</li>
 *   <li>record the history and the phase durations (metrics), notify a refusal or failure (a
 *       plan's own notification is one of its steps); release the lease.</li>
 * </ol>
 * The planner's output is run as it is. Notify steps are executed here (SNS); the engine executes
 * every other step type.
 */
public final class PlanRunner {

    static final String DETECTION = "detection";
    static final String DECISION = "decision";
    static final String TOTAL = "total";
    /** The most plans one run runs: a switchover needs four (switch, converge, rejoin, converge). */
    static final int MAX_PLANS = 6;

    private final String cluster;
    private final Engine engine;
    private final Leases leases;
    private final MaintenanceMode maintenance;
    private final HistoryLog history;
    private final MetricSink metrics;
    private final Notifier notifier;
    private final Duration leaseDuration;
    private final Clock clock;
    private final Log log;

    public PlanRunner(String cluster, Engine engine, Leases leases, MaintenanceMode maintenance, HistoryLog history,
                      MetricSink metrics, Notifier notifier, Duration leaseDuration, Clock clock, Log log) {
        this.cluster = cluster;
        this.engine = engine;
        this.leases = leases;
        this.maintenance = maintenance;
        this.history = history;
        this.metrics = metrics;
        this.notifier = notifier;
        this.leaseDuration = leaseDuration;
        this.clock = clock;
        this.log = log;
    }

    /** The step types the runner executes itself; the engine executes the others. */
    public static Set<Class<? extends Step>> executes() {
        return Set.of(Step.Notify.class);
    }

    /**
     * One run of {@code request} under the cluster lease.
     *
     * @param trigger  what started it, for the log and the history ("EC2 i-0abc stopped", "alarm ...")
     * @param owner    who holds the lease while it runs: the Lambda request id
     * @param handover the monitor's look when the monitor started the run; null otherwise
     */
    public Outcome run(Request request, String trigger, String owner, Engine.Look handover) {
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
        if (lease.get().cutOff() != null) {
            cutOff(lease.get().cutOff(), trigger);
        }
        try {
            return plans(request, run, handover);
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

    private Outcome plans(Request request, Run run, Engine.Look handover) {
        Instant start = clock.instant();
        Engine.Look look = engine.look(handover);
        Engine.Look first = look;
        run.time(DETECTION, start, clock.instant());
        start = clock.instant();
        Decision decision = engine.decide(request, look, first, run.results);
        run.time(DECISION, start, clock.instant());
        String reason = null;
        for (int plans = 0; plans < MAX_PLANS; plans++) {
            if (decision instanceof Refusal refusal) {
                return refusal.failure() ? failed(run, look.primary(), refusal.reason(), null)
                        : refused(run, look.primary(), refusal.reason());
            }
            Plan plan = (Plan) decision;
            if (plan.isNoOp()) {
                log.info("decision", "cluster", cluster, "trigger", run.trigger, "decision", "no-op",
                        "primary", plan.primary(), "reason", plan.reason());
                return run.results.isEmpty()
                        ? new Outcome(Outcome.Action.NO_OP, cluster, plan.primary(), plan.reason(), List.of(),
                                run.millis())
                        : completed(run, request, plan.primary(), plan.reason());
            }
            Optional<Maintenance> paused = maintenance.current(cluster, clock.instant());
            if (paused.isPresent() && !Maintenance.held(plan.steps()).isEmpty()) {
                return paused(run, look.primary(), heldReason(cluster, paused.get(), plan));
            }
            log.info("decision", "cluster", cluster, "trigger", run.trigger, "decision", "plan",
                    "primary", plan.primary(), "steps", plan.steps().stream().map(Step::toString).toList(),
                    "reason", plan.reason());
            reason = reason == null ? plan.reason() : reason;
            int before = run.results.size();
            look = execute(run, look, plan);
            StepResult failed = run.results.stream().skip(before).filter(StepResult::failed)
                    .filter(r -> !(r.step() instanceof Step.RebuildStandby)).findFirst().orElse(null);
            if (!request.converges()) {
                // After a promotion the new primary is known: the history keeps it, so a redelivery is a no-op.
                boolean promoted = run.results.stream().skip(before)
                        .anyMatch(r -> r.step().phase() == Step.Phase.PROMOTE && r.status() == StepResult.Status.DONE);
                return failed == null ? completed(run, request, plan.primary(), plan.reason())
                        : failed(run, promoted ? plan.primary() : null, "step "
                                + (plan.steps().indexOf(failed.step()) + 1) + " of " + plan.steps().size() + " failed: "
                                + failed.step() + " failed: " + failed.detail() + stepsBefore(run, failed)
                                + "; the next run re-plans from what it observes", null);
            }
            look = engine.again(look);
            decision = engine.decide(request, look, first, run.results);
        }
        return failed(run, look.primary(), "the " + request.describe() + " did not settle after " + MAX_PLANS
                + " plans (" + reason + "); the next run re-plans from what it observes", null);
    }

    /**
     * Executes the plan's steps in order under the run's lease, until one fails (a rebuild's
     * failure does not stop the plan: the transition it belongs to is complete without it); the
     * look after the last step executed.
     */
    private Engine.Look execute(Run run, Engine.Look look, Plan plan) {
        for (Step step : plan.steps()) {
            Instant began = clock.instant();
            StepResult result;
            if (!renew(run)) {
                result = new StepResult(step, StepResult.Status.FAILED, "this run lost the cluster lease (epoch "
                        + run.lease.epoch() + ") before the step: another run may be acting, so this one stops",
                        Duration.ZERO);
            } else {
                try {
                    if (step instanceof Step.Notify notify) {
                        result = new StepResult(step, StepResult.Status.DONE, "published to SNS as message "
                                + notifier.publish(notify.subject(), notify.message()), elapsed(began));
                    } else {
                        Engine.Executed executed = engine.execute(look, step, () -> renew(run));
                        result = executed.result();
                        look = executed.look();
                    }
                } catch (StepFailedException e) {
                    result = new StepResult(step, StepResult.Status.FAILED, e.detail(), elapsed(began));
                } catch (RuntimeException e) {
                    // An API error (throttling, permissions, a bad parameter): the step failed, say which and why.
                    result = new StepResult(step, StepResult.Status.FAILED,
                            e.getClass().getSimpleName() + ": " + e.getMessage(), elapsed(began));
                }
            }
            record(run, result);
            if (result.failed() && !(step instanceof Step.RebuildStandby)) {
                break;
            }
        }
        return look;
    }

    private Duration elapsed(Instant began) {
        return Duration.between(began, clock.instant());
    }

    /** Extends the run's lease before an action; false when the run lost it (someone else may act now). */
    private boolean renew(Run run) {
        Optional<Lease> renewed = leases.renew(run.lease, leaseDuration, clock.instant());
        renewed.ifPresent(held -> run.lease = held);
        return renewed.isPresent();
    }

    /** One executed step: its line in the result and the history, its phase time, and the log. */
    private void record(Run run, StepResult result) {
        run.results.add(result);
        run.add(result.step().phase().label(), result.took());
        if (result.leftUndone()) {
            log.warn("step", "cluster", cluster, "step", result.step().toString(), "status", result.status().name(),
                    "detail", result.detail(), "millis", result.took().toMillis());
        } else {
            log.info("step", "cluster", cluster, "step", result.step().toString(), "status", result.status().name(),
                    "detail", result.detail(), "millis", result.took().toMillis());
        }
    }

    private Outcome completed(Run run, Request request, String primary, String reason) {
        Map<String, Duration> phases = run.withTotal(clock.instant());
        log.info("completed", "cluster", cluster, "trigger", run.trigger, "primary", primary,
                "phases", millis(phases), "reason", reason);
        recordHistory(run, "completed", primary, reason, phases);
        List<String> undone = run.results.stream().filter(StepResult::leftUndone).map(StepResult::detail).toList();
        if (!undone.isEmpty()) {
            notify("pgpilot " + cluster + ": not done in this run", "Not done in this run (" + run.trigger + "):\n- "
                    + String.join("\n- ", undone));
        }
        publishPhases(phases);
        Outcome.Action action = request instanceof Request.PublishHosts ? Outcome.Action.PUBLISHED
                : run.results.stream().anyMatch(PlanRunner::reattached) ? Outcome.Action.REATTACHED
                : Outcome.Action.COMPLETED;
        return new Outcome(action, cluster, primary, reason, run.steps(), millis(phases));
    }

    /** A node a sensor's report had pgpool detach, attached again in every pgpool. */
    private static boolean reattached(StepResult result) {
        return result.status() == StepResult.Status.DONE
                && result.step() instanceof Step.SetPgpoolBackends backends && backends.reattach() != null;
    }

    /** Why a paused cluster's plan was held, and what it would have done. */
    public static String heldReason(String cluster, Maintenance maintenance, Plan plan) {
        return "cluster " + cluster + " is in maintenance (" + maintenance.describe() + "): nothing that changes it"
                + " runs. It would: " + String.join(", ", Maintenance.held(plan.steps()).stream().map(Step::toString)
                .toList()) + ", because " + plan.reason() + ". Resume it (pgpilot ctl resume) to let pgpilot act";
    }

    private Outcome paused(Run run, String primary, String reason) {
        log.warn("decision", "cluster", cluster, "trigger", run.trigger, "decision", "paused", "primary", primary,
                "reason", reason);
        Map<String, Duration> phases = run.withTotal(clock.instant());
        recordHistory(run, "paused", primary, reason, phases);
        notify("pgpilot " + cluster + ": in maintenance, not acting", reason + "\n\nTrigger: " + run.trigger);
        return new Outcome(Outcome.Action.PAUSED, cluster, primary, reason, run.steps(), millis(phases));
    }

    private Outcome refused(Run run, String primary, String reason) {
        log.warn("decision", "cluster", cluster, "trigger", run.trigger, "decision", "refusal", "primary", primary,
                "reason", reason);
        Map<String, Duration> phases = run.withTotal(clock.instant());
        recordHistory(run, "refused", primary, reason, phases);
        notify("pgpilot " + cluster + ": no action: " + reason, reason + "\n\nTrigger: " + run.trigger);
        return new Outcome(Outcome.Action.REFUSED, cluster, primary, reason, run.steps(), millis(phases));
    }

    private Outcome failed(Run run, String primary, String reason, Throwable cause) {
        log.error("failed", "cluster", cluster, "trigger", run.trigger, "reason", reason,
                "steps", run.steps(), "error", cause == null ? null : cause.getClass().getName());
        Map<String, Duration> phases = run.withTotal(clock.instant());
        recordHistory(run, "failed", primary, reason, phases);
        notify("pgpilot " + cluster + ": FAILED: " + reason, reason + "\n\nTrigger: " + run.trigger
                + "\nSteps executed:\n" + String.join("\n", run.steps()));
        publishPhases(phases);
        return new Outcome(Outcome.Action.FAILED, cluster, primary, reason, run.steps(), millis(phases));
    }

    /**
     * The run before this one never released the lease: it was killed (its timeout, a crash) part
     * way. Nobody would hear of it otherwise; this run takes over, planning from what it observes.
     */
    private void cutOff(Lease.Predecessor previous, String trigger) {
        String reason = "the run of " + previous.owner() + " (lease epoch " + previous.epoch() + ") was cut off: its"
                + " lease ran out at " + previous.expiredAt() + " without being released, so it ended without"
                + " finishing (killed by its timeout, or it crashed); this run (" + trigger + ") takes over and"
                + " plans from what it observes";
        log.warn("cut-off", "cluster", cluster, "owner", previous.owner(), "epoch", previous.epoch(), "reason", reason);
        try {
            history.append(new HistoryEntry(cluster, previous.expiredAt(), previous.epoch(), "cut off", null, reason,
                    List.of(), Map.of()));
        } catch (RuntimeException e) {
            log.error("history-failed", "cluster", cluster, "error", e.toString());
        }
        notify("pgpilot " + cluster + ": a run was cut off", reason);
    }

    private void recordHistory(Run run, String outcome, String primary, String reason, Map<String, Duration> phases) {
        try {
            history.append(new HistoryEntry(cluster, run.started, run.lease.epoch(), outcome, primary, reason,
                    run.steps(), phases));
        } catch (RuntimeException e) {
            log.error("history-failed", "cluster", cluster, "error", e.toString());
        }
    }

    private void publishPhases(Map<String, Duration> phases) {
        try {
            metrics.publishPhases(cluster, phases, clock.instant());
        } catch (RuntimeException e) {
            log.warn("metrics-failed", "cluster", cluster, "error", e.toString());
        }
    }

    private void notify(String subject, String message) {
        try {
            notifier.publish(subject, message);
        } catch (RuntimeException e) {
            log.error("notify-failed", "cluster", cluster, "error", e.toString(), "subject", subject);
        }
    }

    private static String stepsBefore(Run run, StepResult failed) {
        long completed = run.results.stream().takeWhile(r -> r != failed).count();
        return completed == 0 ? "" : " (after " + completed + " completed step" + (completed == 1 ? "" : "s") + ")";
    }

    static Map<String, Long> millis(Map<String, Duration> phases) {
        Map<String, Long> millis = new LinkedHashMap<>();
        phases.forEach((phase, took) -> millis.put(phase, took.toMillis()));
        return millis;
    }

    /** One run under the lease: what it did so far and how long each phase took. */
    private static final class Run {

        final String trigger;
        final Instant started;
        Lease lease;
        final Map<String, Duration> phases = new LinkedHashMap<>();
        /** Every step executed, in order. */
        final List<StepResult> results = new ArrayList<>();

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
            return results.stream().map(StepResult::describe).toList();
        }

        Map<String, Long> millis() {
            return PlanRunner.millis(phases);
        }
    }
}

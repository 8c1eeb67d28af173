package io.pgpilot.runner;

import io.pgpilot.core.Decision;
import io.pgpilot.core.Ec2State;
import io.pgpilot.core.PgpoolReport;
import io.pgpilot.core.Request;
import io.pgpilot.core.Step;
import io.pgpilot.core.StepResult;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a kind of database cluster brings to the plan runner: how to look at it, which planner
 * decides, and how its steps are executed. PostgreSQL on EC2 ({@link Ec2Engine}) and Aurora
 * ({@link AuroraEngine}) are the two; the router and the runner never ask which one they have.
 */
public interface Engine {

    /** A look at the cluster: what a planner decides from. */
    interface Look {

        /** The primary (or writer) as this look knows it; null when none. */
        String primary();
    }

    /**
     * An EC2 instance-state change, as this engine takes it: the request to run and what to call
     * it, or why none.
     */
    sealed interface Routing {

        /** Run {@code request}; {@code trigger} names the event in the log and the history. */
        record Run(Request request, String trigger) implements Routing {
        }

        /** Nothing to do, and why. */
        record Ignore(String why) implements Routing {
        }
    }

    /** Why this engine takes no such request (a switchover of Aurora); empty when it does. */
    Optional<String> unsupported(Request request);

    /** What an EC2 instance-state change of {@code instanceId} asks for. */
    Routing route(String instanceId, Ec2State state);

    /**
     * What a sensor's report (a pgpool that detached a backend) asks for: a confirmation run, or
     * why none (the reporter or the node is not this cluster's). The report itself is already read
     * and checked ({@link PgpoolReport#read}).
     */
    Routing reported(PgpoolReport report);

    /**
     * A look for a run, under the lease. {@code handover}: the monitor's own look, which the run
     * may build on (null: look afresh).
     */
    Look look(Look handover);

    /** The same cluster looked at again within the run: new readings, the inventory the run keeps. */
    Look again(Look look);

    /** The monitor's look (no lease held), after which it publishes the readings as metrics. */
    Look monitor();

    /**
     * What a monitor tick that finds nothing to fail over does about what a run left pending, such
     * as the rejoin of a node whose rebuild outlasted its run: run it, or wait and say why; empty
     * when nothing is pending.
     */
    Optional<Routing> pending(Look look);

    /** Publishes a monitor look's readings (reachability, lag) as metrics; never fails the caller. */
    void publish(Look look);

    /**
     * What to do about {@code request} at {@code look}, given the run's first look and every step
     * result so far.
     */
    Decision decide(Request request, Look look, Look first, List<StepResult> results);

    /** The step types this engine executes. */
    Set<Class<? extends Step>> executes();

    /**
     * Executes one step and verifies its effect; the look after it (what the step changed that
     * later steps must see, without asking again).
     *
     * @param lease renews the run's lease; a step that waits longer than one command calls it between its polls
     * @throws StepFailedException when the step failed and the plan must stop
     */
    Executed execute(Look look, Step step, KeepAlive lease);

    /** A step's result, and the look after it. */
    record Executed(StepResult result, Look look) {
    }

    /** The primary (or writer) as the cluster says now, for an answer to a repeated event; empty when unknown. */
    Optional<String> currentPrimary();

    /** A sentence naming {@code primary} (null: none known) as this engine calls it: "The writer is db-c". */
    String describePrimary(String primary);
}

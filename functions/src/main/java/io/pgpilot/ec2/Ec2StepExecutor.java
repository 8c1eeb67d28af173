package io.pgpilot.ec2;

import io.pgpilot.adapters.JsonLine;
import io.pgpilot.adapters.Route53DnsRecords;
import io.pgpilot.config.ClusterConfig;
import io.pgpilot.core.Ec2State;
import io.pgpilot.core.HostsFile;
import io.pgpilot.core.NodeObservation;
import io.pgpilot.core.Role;
import io.pgpilot.core.Step;
import io.pgpilot.core.StepResult;
import io.pgpilot.core.ports.CommandResult;
import io.pgpilot.core.ports.CommandTarget;
import io.pgpilot.core.ports.Commands;
import io.pgpilot.core.ports.DnsRecords;
import io.pgpilot.core.ports.Instance;
import io.pgpilot.core.ports.Instances;
import io.pgpilot.runner.KeepAlive;
import io.pgpilot.runner.Log;
import io.pgpilot.runner.Pause;
import io.pgpilot.runner.StepFailedException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Executes the steps that act on EC2 hosts, through the adapters: EC2 for the instance fence and
 * the tags, SSM documents for everything on a host, Route 53. Where a step's effect can be seen,
 * a fresh probe verifies it (writable after a promotion, streaming after a re-point, stopped
 * after a fence), because a command's status alone can lie: an agent that reports Success for a
 * script it never ran, a promotion that a concurrent crash undid.
 *
 * <p>A step that fails throws {@link StepFailedException}, naming the step and the command's
 * stderr; the plan stops there. The one exception is {@link Step.RebuildStandby}: it repairs a
 * node already out of service, the transition it belongs to is complete without it, and its
 * failure is reported (result, history, notification) rather than holding back the notification
 * and the retag that record the completed transition. A rebuild is awaited to its end, bounded,
 * under the run's lease; one that ends without the node streaming fences it again, so that an
 * old primary never starts as a second primary; one still running is left running.
 *
 * <p>Commands to one host go to its instance id, so they reach exactly the instance the plan
 * was made for, never a same-named replacement; the hosts map goes to the whole cluster by tag in
 * one command, then again by instance id to the hosts that did not take it. Which instances run
 * is the run's inventory, kept up to date by the run as its steps stop instances: EC2 is
 * described once per run.
 */
public final class Ec2StepExecutor {

    public static final String FENCE_NODE = "pgpilot-FenceNode";
    public static final String PROMOTE_STANDBY = "pgpilot-PromoteStandby";
    public static final String REPOINT_STANDBY = "pgpilot-RepointStandby";
    public static final String CONFIGURE_PRIMARY = "pgpilot-ConfigurePrimary";
    public static final String UPDATE_HOSTS = "pgpilot-UpdateHosts";
    public static final String PGPOOL_BACKENDS = "pgpilot-PgpoolBackends";
    public static final String REBUILD_STANDBY = "pgpilot-RebuildStandby";
    public static final String BACKUP = "pgpilot-Backup";

    /** The longest a pgpool waits to reach a node that a sensor's report had it detach (issue 13: a 2 s blip). */
    static final Duration REATTACH_WAIT = Duration.ofSeconds(20);
    /** How long a fresh probe may take to show a step's effect; within the lease's step margin. */
    static final Duration VERIFY_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration MIN_POLL = Duration.ofMillis(50);
    /** The steps this executor acts on; {@link PlanRunner} and {@link AuroraEngine} execute the others. */
    public static final Set<Class<? extends Step>> STEPS = Set.of(Step.Fence.class, Step.Unfence.class,
            Step.AwaitCatchUp.class, Step.Promote.class, Step.Repoint.class, Step.SetSyncStandbys.class,
            Step.PublishHosts.class, Step.UpdateDnsRecord.class, Step.TellPgpoolPrimary.class,
            Step.SetPgpoolBackends.class, Step.RetagInstances.class, Step.RebuildStandby.class, Step.Backup.class);
    private static final Duration VERIFY_POLL = Duration.ofMillis(200);
    /** How often a stopping instance is described; DescribeInstances is throttled per account. */
    static final Duration STOP_POLL = Duration.ofSeconds(1);
    private static final int OUTPUT_SHOWN = 2000;
    /**
     * How many times the hosts map is sent again to the hosts that did not take it: once. A
     * transient failure passes on it; more retries to an agent that does not answer would only
     * delay, by a delivery timeout each, the steps that route clients (pgpool, DNS).
     */
    public static final int HOSTS_RETRIES = 1;

    /**
     * What the documents need beyond the step itself.
     *
     * @param pgVersion       the documents' pgVersion
     * @param dbPort          PostgreSQL's port on every node: the upstream port and pgpool's backend port
     * @param replicationCidr ConfigurePrimary's replicationCidr
     * @param commandTimeout  how long one SSM command is awaited
     * @param rebuildWait     how long a rebuild is awaited, in polls of one command timeout
     * @param catchUpTimeout  how long a switchover's target may take to replay all the primary wrote
     * @param catchUpPoll     how often the catch-up is looked at
     * @param archiveStanza   pgpilot-Backup's stanza; null when the cluster has no WAL archive
     */
    public record Settings(String pgVersion, int dbPort, String replicationCidr, Duration commandTimeout,
                           Duration rebuildWait, Duration catchUpTimeout, Duration catchUpPoll, String archiveStanza) {

        public static Settings of(ClusterConfig config) {
            Duration poll = config.probeInterval().compareTo(MIN_POLL) < 0 ? MIN_POLL : config.probeInterval();
            return new Settings(config.pgVersion(), config.dbPort(), config.replicationCidr(), config.commandTimeout(),
                    config.rebuildWait(), config.catchUpTimeout(), poll, config.archiveStanza());
        }

        /** A document's own wait (waitSeconds): inside the command timeout, at most 60 s. */
        String waitSeconds() {
            return Long.toString(waitSecondsValue());
        }

        private long waitSecondsValue() {
            return Math.max(5, Math.min(60, commandTimeout.toSeconds() - 15));
        }

        /**
         * How long each pgpool waits to reach a node it re-attaches (attachWaitSeconds): a blip's
         * length, no more, as the run holds the cluster lease meanwhile and a failover would wait.
         */
        String reattachWaitSeconds() {
            return Long.toString(Math.min(REATTACH_WAIT.toSeconds(), waitSecondsValue()));
        }
    }

    /**
     * The tell each promotion sent to the pgpool fleet, by new primary, for the TellPgpoolPrimary
     * step to await: sent before the promotion, it is delivered meanwhile and acts the moment the
     * node answers as a primary, instead of one more Run Command delivery after it.
     */
    private final Map<String, SentTell> tells = new ConcurrentHashMap<>();
    private final Settings settings;
    private final Instances instances;
    private final Commands commands;
    private final Observer observer;
    private final DnsRecords dns;
    private final Clock clock;
    private final Pause pause;
    private final Log log;

    /** @param dns null when no Route 53 zone is configured: DNS steps are then skipped with that reason */
    public Ec2StepExecutor(Settings settings, Instances instances, Commands commands, Observer observer,
                           DnsRecords dns, Clock clock, Pause pause, Log log) {
        this.settings = settings;
        this.instances = instances;
        this.commands = commands;
        this.observer = observer;
        this.dns = dns;
        this.clock = clock;
        this.pause = pause;
        this.log = log;
    }

    /**
     * Executes {@code step} on the cluster {@code inventory} describes, renewing the run's
     * {@code lease} while a step waits longer than one command; throws StepFailedException when it fails.
     */
    public StepResult execute(Inventory inventory, Step step, KeepAlive lease) {
        Instant start = clock.instant();
        Effect outcome;
        try {
            outcome = dispatch(inventory, step, lease);
        } catch (StepFailedException e) {
            throw e;
        } catch (RuntimeException e) {
            // An API error (throttling, permissions, a bad parameter): the step failed, say which and why.
            throw new StepFailedException(step, e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
        return new StepResult(step, outcome.status, outcome.detail, Duration.between(start, clock.instant()));
    }

    private record Effect(StepResult.Status status, String detail) {
    }

    private static Effect done(String detail) {
        return new Effect(StepResult.Status.DONE, detail);
    }

    private Effect dispatch(Inventory inventory, Step step, KeepAlive lease) {
        if (step instanceof Step.Fence fence) {
            return fence.how().stopsInstance() ? stopInstance(inventory, fence) : stopPostgres(inventory, fence);
        } else if (step instanceof Step.Unfence unfence) {
            runOn(unfence, FENCE_NODE, params(inventory, unfence.node(), "action", "unfence"),
                    inventory.host(unfence.node()));
            return done("pgpilot's fence of " + unfence.node() + " lifted (start.conf restored; PostgreSQL left"
                    + " stopped)");
        } else if (step instanceof Step.AwaitCatchUp catchUp) {
            return catchUp(inventory, catchUp);
        } else if (step instanceof Step.Promote promote) {
            return promote(inventory, promote);
        } else if (step instanceof Step.Repoint repoint) {
            return repoint(inventory, repoint);
        } else if (step instanceof Step.SetSyncStandbys sync) {
            return setSyncStandbys(inventory, sync);
        } else if (step instanceof Step.PublishHosts hosts) {
            return publishHosts(inventory, hosts, lease);
        } else if (step instanceof Step.UpdateDnsRecord record) {
            return updateDns(record);
        } else if (step instanceof Step.TellPgpoolPrimary tell) {
            return tellPgpoolPrimary(inventory, tell);
        } else if (step instanceof Step.SetPgpoolBackends backends) {
            return setPgpoolBackends(inventory, backends);
        } else if (step instanceof Step.RetagInstances retag) {
            return retag(inventory, retag);
        } else if (step instanceof Step.RebuildStandby rebuild) {
            return rebuild(inventory, rebuild, lease);
        } else if (step instanceof Step.Backup backup) {
            return backup(inventory, backup);
        }
        throw new IllegalStateException("no execution for step type " + step.getClass().getName()
                + " in Ec2StepExecutor: see STEPS");
    }

    // ------------------------------------------------------------------------------------ fences

    private Effect stopInstance(Inventory inventory, Step.Fence fence) {
        String id = inventory.instanceId(fence.node());
        Ec2State state;
        try {
            state = instances.stop(List.of(id), true).get(id);
        } catch (RuntimeException e) {
            // Stopping a terminated instance is refused; gone is fenced too.
            Ec2State now = inventory.host(fence.node()).state();
            if (now.isStopped()) {
                return done(fence.node() + " (" + id + ") is already " + now.awsName());
            }
            throw e;
        }
        if (state == null || !state.isGoingDown()) {
            throw new StepFailedException(fence, "StopInstances(force) on " + fence.node() + " (" + id
                    + ") left it " + (state == null ? "unreported" : state.awsName()) + ", not stopping");
        }
        if (fence.how() == Step.Fence.How.STOP_INSTANCE_UNAWAITED || state.isStopped()) {
            return done("EC2 force-stop of " + fence.node() + " (" + id + ") accepted: " + state.awsName());
        }
        return awaitStopped(inventory, fence, id);
    }

    /**
     * Waits, at most the command timeout, until EC2 reports the instance stopped: until then its
     * PostgreSQL may still run and acknowledge commits, so the plan must not go on to promote.
     */
    private Effect awaitStopped(Inventory inventory, Step.Fence fence, String id) {
        Instant start = clock.instant();
        Instant deadline = start.plus(settings.commandTimeout());
        Ec2State state = Ec2State.STOPPING;
        while (clock.instant().isBefore(deadline)) {
            pause.sleep(STOP_POLL);
            state = instances.describe(inventory.cluster()).stream().filter(i -> i.instanceId().equals(id))
                    .map(Instance::state).findFirst().orElse(Ec2State.TERMINATED);
            if (state.isStopped()) {
                return done("EC2 force-stop of " + fence.node() + " (" + id + ") done: " + state.awsName() + " after "
                        + Duration.between(start, clock.instant()).toMillis() + " ms");
            }
        }
        throw new StepFailedException(fence, "StopInstances(force) on " + fence.node() + " (" + id + ") was accepted"
                + " but the instance is still " + state.awsName() + " after " + settings.commandTimeout().toSeconds()
                + " s (PGPILOT_COMMAND_TIMEOUT_SECONDS); nothing is promoted while it may still acknowledge commits");
    }

    private Effect stopPostgres(Inventory inventory, Step.Fence fence) {
        Instance host = inventory.host(fence.node());
        CommandResult result = runOn(fence, FENCE_NODE, params(inventory, fence.node(), "action", "fence"), host);
        NodeObservation seen = verify(inventory, fence.node(), o -> !o.reachable());
        if (seen.reachable()) {
            throw new StepFailedException(fence, FENCE_NODE + " reported Success but " + fence.node()
                    + " still answers probes after " + VERIFY_TIMEOUT.toSeconds() + " s");
        }
        return done("PostgreSQL on " + fence.node() + " stopped and its restart blocked; a probe confirms it no"
                + " longer answers" + json(result));
    }

    // --------------------------------------------------------------------------- replication

    private Effect promote(Inventory inventory, Step.Promote promote) {
        sendTell(inventory, promote.node());
        Instance host = inventory.host(promote.node());
        CommandResult result = runOn(promote, PROMOTE_STANDBY,
                params(inventory, promote.node(), "waitSeconds", settings.waitSeconds()), host);
        NodeObservation seen = verify(inventory, promote.node(), NodeObservation::writable);
        if (!seen.writable()) {
            throw new StepFailedException(promote, PROMOTE_STANDBY + " reported Success but a probe of "
                    + promote.node() + " finds it " + (seen.reachable() ? "still in recovery" : "unreachable")
                    + " after " + VERIFY_TIMEOUT.toSeconds() + " s");
        }
        return done(promote.node() + " accepts writes on timeline " + seen.timeline() + " at " + seen.replayedLsn()
                + " (verified by a probe)" + json(result));
    }

    private Effect repoint(Inventory inventory, Step.Repoint repoint) {
        Instance host = inventory.host(repoint.node());
        CommandResult result = runOn(repoint, REPOINT_STANDBY, params(inventory, repoint.node(),
                "upstreamHost", repoint.upstream(), "upstreamPort", Integer.toString(settings.dbPort()),
                "waitSeconds", settings.waitSeconds()), host);
        NodeObservation seen = verify(inventory, repoint.node(), o -> o.standby() && o.streamsFrom(repoint.upstream()));
        if (!(seen.standby() && seen.streamsFrom(repoint.upstream()))) {
            throw new StepFailedException(repoint, REPOINT_STANDBY + " reported Success but a probe of "
                    + repoint.node() + " finds " + describe(seen) + " after " + VERIFY_TIMEOUT.toSeconds() + " s");
        }
        return done(repoint.node() + " streams from " + repoint.upstream() + " on timeline " + seen.timeline()
                + " (verified by a probe)" + json(result));
    }

    private Effect setSyncStandbys(Inventory inventory, Step.SetSyncStandbys sync) {
        Instance host = inventory.host(sync.primary());
        // The record names the new standbys before any of them can confirm a commit.
        observer.recordBeforeSyncChange(inventory, sync.primary(), sync.standbys());
        // Only the names: the rest of the document was applied when the node was configured (its
        // boot, the lab's up), and on a new primary it would cost a second or more and could restart it.
        CommandResult result = runOn(sync, CONFIGURE_PRIMARY, params(inventory, sync.primary(),
                "replicationCidr", settings.replicationCidr(), "syncStandbys", String.join(",", sync.standbys()),
                "syncStandbysOnly", "true"), host);
        NodeObservation seen = verify(inventory, sync.primary(), o -> o.reachable()
                && o.syncStandbys().equals(sync.standbys()));
        if (!seen.syncStandbys().equals(sync.standbys())) {
            throw new StepFailedException(sync, CONFIGURE_PRIMARY + " reported Success but " + sync.primary()
                    + "'s synchronous_standby_names lists " + seen.syncStandbys() + ", not " + sync.standbys());
        }
        return done("synchronous_standby_names on " + sync.primary() + " is "
                + (sync.standbys().isEmpty() ? "'' (asynchronous)" : "'" + sync.setting() + "'") + json(result));
    }

    /**
     * Rebuilds {@code rebuild.node()} as a standby of its upstream when its instance runs; deferred
     * otherwise. Never throws for the rebuild's own failure: the status says it.
     * <ul>
     *   <li>it ends with the node streaming from its upstream: DONE;</li>
     *   <li>it ends otherwise, or cannot be sent: FAILED, and the node is fenced again;</li>
     *   <li>it still runs after the rebuild wait: STARTED, and not fenced, since fencing a rebuild
     *       that may yet succeed would make every rebuild of a large database fail; the node stays
     *       tagged rebuild and the monitor finishes its rejoin;</li>
     *   <li>the run lost its lease, or SSM could not say whether it runs: FAILED, not fenced, no
     *       longer awaited; whoever acts next finds it running or ended.</li>
     * </ul>
     * A rebuild of the node that already runs (left running by an earlier run, or an operator's)
     * is awaited instead of started again: two base backups into one data directory destroy it.
     */
    private Effect rebuild(Inventory inventory, Step.RebuildStandby rebuild, KeepAlive lease) {
        String node = rebuild.node();
        Instance host = inventory.host(node);
        if (host.state() != Ec2State.RUNNING) {
            return new Effect(StepResult.Status.DEFERRED, "rebuild of " + node + " from " + rebuild.upstream()
                    + " deferred until the instance runs (EC2 state " + host.state().awsName() + ")");
        }
        Map<String, String> parameters = params(inventory, node, "upstreamHost", rebuild.upstream(),
                "upstreamPort", Integer.toString(settings.dbPort()), "applicationName", node,
                "rewind", Boolean.toString(rebuild.rewind()));
        Optional<String> already;
        try {
            already = rebuildRunning(inventory, node);
        } catch (RuntimeException e) {
            return new Effect(StepResult.Status.FAILED, "could not tell whether a rebuild of " + node + " already"
                    + " runs: " + e.getClass().getSimpleName() + ": " + e.getMessage() + "; none started, and " + node
                    + " not fenced, since one may run");
        }
        String commandId;
        try {
            commandId = already.isPresent() ? already.get()
                    : commands.send(REBUILD_STANDBY, parameters, CommandTarget.instances(List.of(host.instanceId())));
        } catch (RuntimeException e) {
            // E.g. an instance just started whose SSM agent has not registered yet.
            return fencedAgain(inventory, node, REBUILD_STANDBY + " could not be sent to " + node + ": "
                    + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        String command = "SSM command " + commandId
                + (already.isPresent() ? ", already running when this run came to it" : "");
        String running = "the rebuild of " + node + " from " + rebuild.upstream() + " (" + command + ")";
        Optional<CommandResult> awaited;
        try {
            awaited = awaitRebuild(commandId, host.instanceId(), lease);
        } catch (RuntimeException e) {
            return new Effect(StepResult.Status.FAILED, "awaiting " + running + " failed: "
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + "; not fenced, since it may still run");
        }
        if (awaited.isEmpty()) {
            return new Effect(StepResult.Status.FAILED, "this run lost the cluster lease while awaiting " + running
                    + ": another run may be acting, so this one neither awaits it any longer nor fences " + node);
        }
        CommandResult result = awaited.get();
        if (!result.finished()) {
            return new Effect(StepResult.Status.STARTED, running + " still runs after "
                    + settings.rebuildWait().toSeconds() + " s (PGPILOT_REBUILD_WAIT_SECONDS); not fenced: " + node
                    + " stays tagged rebuild, and the monitor tags it standby once it streams");
        }
        if (!result.succeeded()) {
            return fencedAgain(inventory, node, failure(REBUILD_STANDBY, host, result, commandId));
        }
        NodeObservation seen = verify(inventory, node, o -> o.standby() && o.streamsFrom(rebuild.upstream()));
        if (!(seen.standby() && seen.streamsFrom(rebuild.upstream()))) {
            return fencedAgain(inventory, node, REBUILD_STANDBY + " reported Success but a probe of " + node
                    + " finds " + describe(seen));
        }
        return done(node + " rebuilt and streams from " + rebuild.upstream() + " on timeline " + seen.timeline()
                + " (" + command + ")" + json(result));
    }

    /**
     * Polls the rebuild until it ends or the rebuild wait has passed, renewing the lease after
     * every poll; empty when the run lost its lease. A poll lasts at most one command timeout,
     * which the lease outlasts by the step margin (ClusterConfig), so the lease never runs out
     * between renewals, nor before what follows the last poll (the verifying probe, a re-fence).
     */
    private Optional<CommandResult> awaitRebuild(String commandId, String instanceId, KeepAlive lease) {
        Instant deadline = clock.instant().plus(settings.rebuildWait());
        while (true) {
            Duration left = Duration.between(clock.instant(), deadline);
            Duration poll = left.compareTo(settings.commandTimeout()) < 0 ? left : settings.commandTimeout();
            CommandResult result = commands.await(commandId, List.of(instanceId), poll).get(0);
            if (!lease.renew()) {
                return Optional.empty();
            }
            if (result.finished() || !clock.instant().isBefore(deadline)) {
                return Optional.of(result);
            }
        }
    }

    /** A rebuild that ended without the node streaming: fence it again, so it never starts as a second primary. */
    private Effect fencedAgain(Inventory inventory, String node, String why) {
        try {
            runOn(new Step.Fence(node, Step.Fence.How.STOP_POSTGRES), FENCE_NODE,
                    params(inventory, node, "action", "fence"), inventory.host(node));
            return new Effect(StepResult.Status.FAILED, why + "; " + node + " is fenced again");
        } catch (RuntimeException e) {
            log.error("refence-failed", "cluster", inventory.cluster(), "node", node, "error", e.toString());
            return new Effect(StepResult.Status.FAILED, why + "; fencing " + node + " again failed too: "
                    + e.getMessage());
        }
    }

    /**
     * The rebuild of {@code node} that runs now, as its SSM command id; empty when none does.
     * SSM is asked rather than a command id recorded: it is where the rebuild runs, so it knows
     * every one, including that of a run cut off before it could record anything and one an
     * operator started by hand, and there is no record to keep in step with it.
     */
    public Optional<String> rebuildRunning(Inventory inventory, String node) {
        return commands.running(REBUILD_STANDBY, inventory.instanceId(node)).stream().findFirst();
    }

    // ------------------------------------------------------------------------------------ backups

    /** Whether the cluster has a WAL archive to take backups into. */
    public boolean archives() {
        return settings.archiveStanza() != null;
    }

    /**
     * Sends pgpilot-Backup and returns once SSM took it: its end (hours for a full backup) is the
     * command's, which the stack's failed-backup rule reports. Not sent while a backup of the
     * cluster still runs on any node: two at once would contend for the primary's pgBackRest lock,
     * and one of them would fail.
     */
    private Effect backup(Inventory inventory, Step.Backup step) {
        if (settings.archiveStanza() == null) {
            throw new StepFailedException(step, "the cluster has no WAL archive (PGPILOT_ARCHIVE_STANZA is not set)");
        }
        for (String node : inventory.topology().names()) {
            Optional<String> running = commands.running(BACKUP, inventory.instanceId(node)).stream().findFirst();
            if (running.isPresent()) {
                return new Effect(StepResult.Status.SKIPPED, "a backup still runs on " + node + " (" + BACKUP
                        + " as SSM command " + running.get() + "): this " + step.type() + " backup is not started");
            }
        }
        Map<String, String> parameters = params(inventory, step.node(), "stanza", settings.archiveStanza(),
                "type", step.type());
        if (step.fromStandby()) {
            parameters.put("primaryHost", step.primary());
            parameters.put("primaryCluster", inventory.pgCluster(step.primary()));
        }
        String commandId = commands.send(BACKUP, parameters,
                CommandTarget.instances(List.of(inventory.instanceId(step.node()))));
        return done(BACKUP + " (" + step.type() + ") started on " + step.node() + " as SSM command " + commandId
                + (step.fromStandby() ? ", from the standby's files; " + step.primary() + " starts and stops it"
                        : ", from the primary's own files"));
    }

    /**
     * Waits, at most the catch-up timeout, until the target has replayed all the primary had
     * written; fails with how far behind it stayed, or why it cannot catch up.
     */
    private Effect catchUp(Inventory inventory, Step.AwaitCatchUp step) {
        String old = step.primary();
        String target = step.target();
        Instant deadline = clock.instant().plus(settings.catchUpTimeout());
        while (true) {
            NodeObservation primary = observer.probe(inventory, old);
            if (!primary.writable()) {
                throw new StepFailedException(step, "the primary " + old + " stopped accepting writes during the"
                        + " catch-up");
            }
            NodeObservation standby = observer.probe(inventory, target);
            if (!standby.standby() || !standby.streamsFrom(old)) {
                throw new StepFailedException(step, target + " stopped streaming from " + old + " during the catch-up");
            }
            long lag = primary.replayedLsn().bytesAfter(standby.replayedLsn());
            if (lag <= 0) {
                return done(target + " has replayed all " + old + " had written (" + standby.replayedLsn() + ")");
            }
            if (!clock.instant().isBefore(deadline)) {
                throw new StepFailedException(step, target + " was still " + lag + " bytes behind " + old
                        + " (replayed " + standby.replayedLsn() + ", primary at " + primary.replayedLsn() + ") after "
                        + settings.catchUpTimeout().toSeconds() + " s");
            }
            pause.sleep(settings.catchUpPoll());
        }
    }

    // ------------------------------------------------------------------------------- routing

    /**
     * The hosts map on every running host of the cluster: one command to all of them by their
     * tag, then, HOSTS_RETRIES times at most, again to those whose invocation failed or did not
     * finish, by instance id.
     *
     * <p>A host that still has not taken it does not fail the step, not even a pgpool host or the
     * new primary: the result is PARTIAL and names it, and the run tells it. What the map moves is
     * the pg-primary alias (a node's name keeps its address: only a replaced instance gets a new
     * one, and its running event publishes the map again), so a host left with the old map reaches
     * the old primary, which is fenced: its clients fail to connect; they never write to a second
     * primary. pgpool does not route by pg-primary but by its backends, which the next step sets
     * and which fails the plan when a pgpool host cannot be reached; the new primary serves writes
     * without resolving any name. Failing here would hold back, for every client, the steps that do
     * route them (pgpool, DNS) and the retag that records the transition, for one host.
     *
     * <p>When no host took the map, the step fails: then SSM or the document is broken, not a
     * host, and the tags, left as they were, make the next run publish again.
     */
    private Effect publishHosts(Inventory inventory, Step.PublishHosts publish, KeepAlive lease) {
        String entries = HostsFile.entriesParameter(publish.hosts());
        // The run's inventory follows its own steps: an instance an earlier step stopped is not waited for.
        List<String> targets = inventory.running().stream().map(Instance::instanceId).toList();
        if (targets.isEmpty()) {
            throw new StepFailedException(publish, "no instance of cluster " + inventory.cluster() + " is running");
        }
        Map<String, String> parameters = Map.of("entries", entries);
        // One command to every host of the cluster by its tag, as an operator would send it.
        String commandId = commands.send(UPDATE_HOSTS, parameters, CommandTarget.cluster(inventory.cluster()));
        List<String> commandIds = new ArrayList<>(List.of(commandId));
        Map<String, String> missed = missed(inventory, commands.await(commandId, targets, settings.commandTimeout()),
                commandId);
        for (int retry = 0; retry < HOSTS_RETRIES && !missed.isEmpty(); retry++) {
            if (!lease.renew()) {
                throw new StepFailedException(publish, "this run lost the cluster lease before sending the hosts map"
                        + " again; hosts not updated: " + String.join("; ", missed.values()));
            }
            List<String> again = List.copyOf(missed.keySet());
            log.warn("hosts-retry", "cluster", inventory.cluster(), "hosts", names(inventory, again),
                    "reason", String.join("; ", missed.values()));
            String retryId = commands.send(UPDATE_HOSTS, parameters, CommandTarget.instances(again));
            commandIds.add(retryId);
            missed = missed(inventory, commands.await(retryId, again, settings.commandTimeout()), retryId);
        }
        List<String> updated = new ArrayList<>(targets);
        updated.removeAll(missed.keySet());
        String notUpdated = "hosts not updated: " + String.join("; ", missed.values());
        if (updated.isEmpty()) {
            throw new StepFailedException(publish, "no host took the hosts map (" + entries + "); " + notUpdated);
        }
        String written = "hosts map (" + entries + ") written on " + names(inventory, updated) + " by SSM command"
                + (commandIds.size() == 1 ? " " : "s ") + String.join(", ", commandIds);
        return missed.isEmpty() ? done(written) : new Effect(StepResult.Status.PARTIAL, written + "; " + notUpdated);
    }

    /** The hosts that did not take a command, by instance id: "app1 (i-0abc: ended TimedOut ...)". */
    private static Map<String, String> missed(Inventory inventory, List<CommandResult> results, String commandId) {
        Map<String, String> missed = new LinkedHashMap<>();
        for (CommandResult result : results) {
            if (!result.succeeded()) {
                String name = inventory.byInstanceId(result.instanceId()).map(Instance::name)
                        .orElse(result.instanceId());
                missed.put(result.instanceId(), name + " (" + result.instanceId() + ": SSM command " + commandId + " "
                        + ended(result) + ")");
            }
        }
        return missed;
    }

    private Effect updateDns(Step.UpdateDnsRecord record) {
        if (dns == null) {
            return new Effect(StepResult.Status.SKIPPED, "no Route 53 zone is configured (PGPILOT_HOSTED_ZONE_ID,"
                    + " PGPILOT_DNS_NAME): " + record.name() + " not updated");
        }
        dns.upsert(record.name(), record.address(), Route53DnsRecords.DEFAULT_TTL);
        String now = dns.address(record.name()).orElse(null);
        if (!record.address().equals(now)) {
            throw new StepFailedException(record, "UPSERT accepted but " + record.name() + " resolves in the zone to "
                    + now + ", not " + record.address());
        }
        return done(record.name() + " -> " + record.address() + " (TTL " + Route53DnsRecords.DEFAULT_TTL.toSeconds() + " s)");
    }

    /** A tell sent to these pgpool hosts, when. */
    private record SentTell(String commandId, List<String> instanceIds, Instant sentAt) {
    }

    /** The same document as the backends, told to look at the new primary only and change nothing else. */
    private Map<String, String> tellParameters(Inventory inventory, String primary, boolean wait) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("backends", backends(inventory, new Step.SetPgpoolBackends(primary, List.of())));
        parameters.put("tellPrimary", primary);
        if (wait) {
            parameters.put("tellWaitSeconds", settings.waitSeconds());
        }
        return parameters;
    }

    /** Sends the tell of a promotion about to be made; a tell not sent is sent by its step. */
    private void sendTell(Inventory inventory, String primary) {
        List<String> ids = inventory.pgpoolHosts().stream().map(Instance::instanceId).toList();
        if (ids.isEmpty()) {
            return;
        }
        try {
            tells.put(primary, new SentTell(commands.send(PGPOOL_BACKENDS, tellParameters(inventory, primary, true),
                    CommandTarget.instances(ids)), ids, clock.instant()));
        } catch (RuntimeException e) {
            log.warn("tell-not-sent", "cluster", inventory.cluster(), "primary", primary, "error", e.toString());
        }
    }

    /**
     * Awaits the tell its promotion sent; sends one when there is none (a run that resumes after the
     * promotion), when it failed (it waited less than the promotion took), or when it is older than
     * a command's timeout (left by a run that ended before its tell: what it found then is not now).
     */
    private Effect tellPgpoolPrimary(Inventory inventory, Step.TellPgpoolPrimary tell) {
        List<Instance> pgpools = inventory.pgpoolHosts();
        SentTell sent = tells.remove(tell.primary());
        if (pgpools.isEmpty()) {
            return noPgpool(inventory);
        }
        List<String> ids = pgpools.stream().map(Instance::instanceId).toList();
        if (sent != null && sent.instanceIds().equals(ids)
                && clock.instant().isBefore(sent.sentAt().plus(settings.commandTimeout()))) {
            List<CommandResult> results = commands.await(sent.commandId(), ids, settings.commandTimeout());
            if (results.stream().allMatch(CommandResult::succeeded)) {
                return done("pgpool on " + names(inventory, ids) + " routes writes to " + tell.primary()
                        + " (told with the promotion, SSM command " + sent.commandId() + ")");
            }
        }
        String commandId = commands.send(PGPOOL_BACKENDS, tellParameters(inventory, tell.primary(), false),
                CommandTarget.instances(ids));
        requireAll(tell, PGPOOL_BACKENDS, inventory, commands.await(commandId, ids, settings.commandTimeout()),
                commandId);
        return done("pgpool on " + names(inventory, ids) + " routes writes to " + tell.primary());
    }

    private static Effect noPgpool(Inventory inventory) {
        return new Effect(StepResult.Status.SKIPPED, "no running host of cluster " + inventory.cluster()
                + " is tagged " + Instances.ROLE_TAG + "=" + Inventory.PGPOOL_ROLE);
    }

    /**
     * Every database node in node-id order (by name), so no existing pgpool node changes place:
     * the primary with weight 0 (writes only), the standbys in service 1, nodes out of service 0.
     */
    private Effect setPgpoolBackends(Inventory inventory, Step.SetPgpoolBackends backends) {
        List<Instance> pgpools = inventory.pgpoolHosts();
        if (pgpools.isEmpty()) {
            return noPgpool(inventory);
        }
        String list = backends(inventory, backends);
        List<String> ids = pgpools.stream().map(Instance::instanceId).toList();
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("backends", list);
        if (backends.reattach() != null) {
            // Each pgpool waits until it reaches the node again; one that never does fails the step.
            parameters.put("attach", backends.reattach());
            parameters.put("attachWaitSeconds", settings.reattachWaitSeconds());
        }
        String commandId = commands.send(PGPOOL_BACKENDS, parameters, CommandTarget.instances(ids));
        requireAll(backends, PGPOOL_BACKENDS, inventory, commands.await(commandId, ids, settings.commandTimeout()),
                commandId);
        return done("pgpool backends " + list + " on " + names(inventory, ids) + (backends.reattach() == null ? ""
                : "; " + backends.reattach() + " attached in each of them"));
    }

    String backends(Inventory inventory, Step.SetPgpoolBackends backends) {
        List<String> items = new ArrayList<>();
        for (String node : inventory.topology().names()) {
            String weight = node.equals(backends.primary()) ? "0" : backends.standbys().contains(node) ? "1" : "0";
            items.add(node + ":" + settings.dbPort() + ":" + weight + ":ALLOW_TO_FAILOVER");
        }
        return String.join(",", items);
    }

    private Effect retag(Inventory inventory, Step.RetagInstances retag) {
        Map<String, Role> byId = new LinkedHashMap<>();
        retag.roles().forEach((node, role) -> byId.put(inventory.instanceId(node), role));
        instances.retag(byId);
        return done("pgpilot:role " + retag.roles().entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue().tag()).collect(Collectors.joining(", ")));
    }

    // ------------------------------------------------------------------------------- helpers

    private Map<String, String> params(Inventory inventory, String node, String... more) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("pgVersion", settings.pgVersion());
        params.put("cluster", inventory.pgCluster(node));
        for (int i = 0; i < more.length; i += 2) {
            params.put(more[i], more[i + 1]);
        }
        return params;
    }

    private CommandResult runOn(Step step, String document, Map<String, String> parameters, Instance host) {
        String id = host.instanceId();
        String commandId = commands.send(document, parameters, CommandTarget.instances(List.of(id)));
        CommandResult result = commands.await(commandId, List.of(id), settings.commandTimeout()).get(0);
        if (!result.succeeded()) {
            throw new StepFailedException(step, failure(document, host, result, commandId));
        }
        return result;
    }

    private void requireAll(Step step, String document, Inventory inventory, List<CommandResult> results,
                            String commandId) {
        List<String> failures = new ArrayList<>();
        for (CommandResult result : results) {
            if (!result.succeeded()) {
                Instance host = inventory.byInstanceId(result.instanceId()).orElse(null);
                failures.add(host == null ? result.instanceId() + ": " + result.status()
                        : failure(document, host, result, commandId));
            }
        }
        if (!failures.isEmpty()) {
            throw new StepFailedException(step, String.join("; ", failures));
        }
    }

    private static String failure(String document, Instance host, CommandResult result, String commandId) {
        return document + " on " + host.name() + " (" + host.instanceId() + ", SSM command " + commandId + ") "
                + ended(result);
    }

    /** "ended Failed (Failed) with exit code 1: stderr", or "still InProgress when the wait ended". */
    private static String ended(CommandResult result) {
        String status = result.status() + (result.statusDetails().isEmpty() ? "" : " (" + result.statusDetails() + ")");
        if (!result.finished()) {
            return "still " + status + " when the wait ended";
        }
        String output = !result.stderr().isBlank() ? result.stderr() : result.stdout();
        return "ended " + status + (result.exitCode() >= 0 ? " with exit code " + result.exitCode() : "")
                + (output.isBlank() ? "" : ": " + tail(output.strip()));
    }

    private static String tail(String text) {
        return text.length() <= OUTPUT_SHOWN ? text : "..." + text.substring(text.length() - OUTPUT_SHOWN);
    }

    private static String json(CommandResult result) {
        return JsonLine.lastObject(result.stdout()).map(j -> "; the document reports " + j).orElse("");
    }

    /** Probes {@code node} until {@code wanted} holds or VERIFY_TIMEOUT passes; returns the last observation. */
    private NodeObservation verify(Inventory inventory, String node, Predicate<NodeObservation> wanted) {
        Instant deadline = clock.instant().plus(VERIFY_TIMEOUT);
        while (true) {
            NodeObservation seen = observer.probe(inventory, node);
            if (wanted.test(seen) || !clock.instant().isBefore(deadline)) {
                return seen;
            }
            pause.sleep(VERIFY_POLL);
        }
    }

    private static String describe(NodeObservation seen) {
        if (!seen.reachable()) {
            return "it unreachable";
        }
        if (!seen.inRecovery()) {
            return "it a primary (not in recovery)";
        }
        return "its WAL receiver " + seen.walReceiver().name().toLowerCase() + (seen.upstream() == null ? ""
                : " from " + seen.upstream());
    }

    private static String names(Inventory inventory, List<String> ids) {
        return ids.stream().map(id -> inventory.byInstanceId(id).map(Instance::name).orElse(id)).toList().toString();
    }

}

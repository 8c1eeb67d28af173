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
import java.util.Set;
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
 * and the retag that record the completed transition. A rebuild that does not end with the node
 * streaming fences it again, so that an old primary never starts as a second primary.
 *
 * <p>Commands to one host go to its instance id, so they reach exactly the instance the plan
 * was made for, never a same-named replacement; the hosts map goes to the whole cluster by tag in
 * one command. Which instances run is the run's inventory, kept up to date by the run as its
 * steps stop instances: EC2 is described once per run.
 */
public final class Ec2StepExecutor {

    public static final String FENCE_NODE = "pgpilot-FenceNode";
    public static final String PROMOTE_STANDBY = "pgpilot-PromoteStandby";
    public static final String REPOINT_STANDBY = "pgpilot-RepointStandby";
    public static final String CONFIGURE_PRIMARY = "pgpilot-ConfigurePrimary";
    public static final String UPDATE_HOSTS = "pgpilot-UpdateHosts";
    public static final String PGPOOL_BACKENDS = "pgpilot-PgpoolBackends";
    public static final String REBUILD_STANDBY = "pgpilot-RebuildStandby";

    /** How long a fresh probe may take to show a step's effect; within the lease's step margin. */
    static final Duration VERIFY_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration MIN_POLL = Duration.ofMillis(50);
    /** The steps this executor acts on; {@link PlanRunner} and {@link AuroraEngine} execute the others. */
    public static final Set<Class<? extends Step>> STEPS = Set.of(Step.Fence.class, Step.Unfence.class,
            Step.AwaitCatchUp.class, Step.Promote.class, Step.Repoint.class, Step.SetSyncStandbys.class,
            Step.PublishHosts.class, Step.UpdateDnsRecord.class, Step.SetPgpoolBackends.class,
            Step.RetagInstances.class, Step.RebuildStandby.class);
    private static final Duration VERIFY_POLL = Duration.ofMillis(200);
    /** How often a stopping instance is described; DescribeInstances is throttled per account. */
    static final Duration STOP_POLL = Duration.ofSeconds(1);
    private static final int OUTPUT_SHOWN = 2000;

    /**
     * What the documents need beyond the step itself.
     *
     * @param pgVersion       the documents' pgVersion
     * @param dbPort          PostgreSQL's port on every node: the upstream port and pgpool's backend port
     * @param replicationCidr ConfigurePrimary's replicationCidr
     * @param commandTimeout  how long one SSM command is awaited
     * @param catchUpTimeout  how long a switchover's target may take to replay all the primary wrote
     * @param catchUpPoll     how often the catch-up is looked at
     */
    public record Settings(String pgVersion, int dbPort, String replicationCidr, Duration commandTimeout,
                           Duration catchUpTimeout, Duration catchUpPoll) {

        public static Settings of(ClusterConfig config) {
            Duration poll = config.probeInterval().compareTo(MIN_POLL) < 0 ? MIN_POLL : config.probeInterval();
            return new Settings(config.pgVersion(), config.dbPort(), config.replicationCidr(), config.commandTimeout(),
                    config.catchUpTimeout(), poll);
        }

        /** A document's own wait (waitSeconds): inside the command timeout, at most 60 s. */
        String waitSeconds() {
            return Long.toString(Math.max(5, Math.min(60, commandTimeout.toSeconds() - 15)));
        }
    }

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

    /** Executes {@code step} on the cluster {@code inventory} describes; throws StepFailedException when it fails. */
    public StepResult execute(Inventory inventory, Step step) {
        Instant start = clock.instant();
        Effect outcome;
        try {
            outcome = dispatch(inventory, step);
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

    private Effect dispatch(Inventory inventory, Step step) {
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
            return publishHosts(inventory, hosts);
        } else if (step instanceof Step.UpdateDnsRecord record) {
            return updateDns(record);
        } else if (step instanceof Step.SetPgpoolBackends backends) {
            return setPgpoolBackends(inventory, backends);
        } else if (step instanceof Step.RetagInstances retag) {
            return retag(inventory, retag);
        } else if (step instanceof Step.RebuildStandby rebuild) {
            Effect rebuilt = rebuild(inventory, rebuild);
            if (rebuilt.status == StepResult.Status.FAILED || rebuilt.status == StepResult.Status.STARTED) {
                refence(inventory, rebuild.node());
            }
            return rebuilt;
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
        CommandResult result = runOn(sync, CONFIGURE_PRIMARY, params(inventory, sync.primary(),
                "replicationCidr", settings.replicationCidr(), "syncStandbys", String.join(",", sync.standbys())),
                host);
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
     */
    private Effect rebuild(Inventory inventory, Step.RebuildStandby rebuild) {
        Ec2State state = inventory.host(rebuild.node()).state();
        if (state != Ec2State.RUNNING) {
            return new Effect(StepResult.Status.DEFERRED, "rebuild of " + rebuild.node() + " from "
                    + rebuild.upstream() + " deferred until the instance runs (EC2 state " + state.awsName() + ")");
        }
        Instance host = inventory.host(rebuild.node());
        Map<String, String> parameters = params(inventory, rebuild.node(), "upstreamHost", rebuild.upstream(),
                "upstreamPort", Integer.toString(settings.dbPort()), "applicationName", rebuild.node(),
                "rewind", Boolean.toString(rebuild.rewind()));
        String commandId;
        CommandResult result;
        try {
            commandId = commands.send(REBUILD_STANDBY, parameters, CommandTarget.instances(List.of(host.instanceId())));
            result = commands.await(commandId, List.of(host.instanceId()), settings.commandTimeout()).get(0);
        } catch (RuntimeException e) {
            // E.g. an instance just started whose SSM agent has not registered yet.
            return new Effect(StepResult.Status.FAILED, REBUILD_STANDBY + " could not be sent to " + rebuild.node()
                    + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        if (!result.finished()) {
            return new Effect(StepResult.Status.STARTED, "rebuild of " + rebuild.node() + " from "
                    + rebuild.upstream() + " still running as SSM command " + commandId + " after "
                    + settings.commandTimeout().toSeconds() + " s; it is tagged standby once it streams");
        }
        if (!result.succeeded()) {
            return new Effect(StepResult.Status.FAILED, failure(REBUILD_STANDBY, host, result, commandId));
        }
        NodeObservation seen = verify(inventory, rebuild.node(), o -> o.standby() && o.streamsFrom(rebuild.upstream()));
        if (!(seen.standby() && seen.streamsFrom(rebuild.upstream()))) {
            return new Effect(StepResult.Status.FAILED, REBUILD_STANDBY + " reported Success but a probe of "
                    + rebuild.node() + " finds " + describe(seen));
        }
        return done(rebuild.node() + " rebuilt and streams from " + rebuild.upstream() + " on timeline "
                + seen.timeline() + json(result));
    }

    /** A rebuild that did not end streaming: fence the node again, so it never starts as a second primary. */
    private void refence(Inventory inventory, String node) {
        try {
            runOn(new Step.Fence(node, Step.Fence.How.STOP_POSTGRES), FENCE_NODE,
                    params(inventory, node, "action", "fence"), inventory.host(node));
        } catch (RuntimeException e) {
            log.error("refence-failed", "cluster", inventory.cluster(), "node", node, "error", e.toString());
        }
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

    private Effect publishHosts(Inventory inventory, Step.PublishHosts publish) {
        String entries = HostsFile.entriesOf(publish.hosts()).stream()
                .map(e -> e.address() + " " + String.join(" ", e.names()))
                .collect(Collectors.joining(","));
        // The run's inventory follows its own steps: an instance an earlier step stopped is not waited for.
        List<String> targets = inventory.running().stream().map(Instance::instanceId).toList();
        if (targets.isEmpty()) {
            throw new StepFailedException(publish, "no instance of cluster " + inventory.cluster() + " is running");
        }
        // One command to every host of the cluster by its tag, as an operator would send it.
        String commandId = commands.send(UPDATE_HOSTS, Map.of("entries", entries),
                CommandTarget.cluster(inventory.cluster()));
        List<CommandResult> results = commands.await(commandId, targets, settings.commandTimeout());
        requireAll(publish, UPDATE_HOSTS, inventory, results, commandId);
        return done("hosts map (" + entries + ") written on " + names(inventory, targets) + " by SSM command "
                + commandId);
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

    /**
     * Every database node in node-id order (by name), so no existing pgpool node changes place:
     * the primary with weight 0 (writes only), the standbys in service 1, nodes out of service 0.
     */
    private Effect setPgpoolBackends(Inventory inventory, Step.SetPgpoolBackends backends) {
        List<Instance> pgpools = inventory.pgpoolHosts();
        if (pgpools.isEmpty()) {
            return new Effect(StepResult.Status.SKIPPED, "no running host of cluster " + inventory.cluster()
                    + " is tagged " + Instances.ROLE_TAG + "=" + Inventory.PGPOOL_ROLE);
        }
        String list = backends(inventory, backends);
        List<String> ids = pgpools.stream().map(Instance::instanceId).toList();
        String commandId = commands.send(PGPOOL_BACKENDS, Map.of("backends", list), CommandTarget.instances(ids));
        requireAll(backends, PGPOOL_BACKENDS, inventory, commands.await(commandId, ids, settings.commandTimeout()),
                commandId);
        return done("pgpool backends " + list + " on " + names(inventory, ids));
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
        String output = !result.stderr().isBlank() ? result.stderr() : result.stdout();
        return document + " on " + host.name() + " (" + host.instanceId() + ", SSM command " + commandId + ") ended "
                + result.status() + (result.statusDetails().isEmpty() ? "" : " (" + result.statusDetails() + ")")
                + (result.exitCode() >= 0 ? " with exit code " + result.exitCode() : "")
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

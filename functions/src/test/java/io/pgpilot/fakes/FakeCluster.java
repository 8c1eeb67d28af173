package io.pgpilot.fakes;

import io.pgpilot.core.Ec2State;
import io.pgpilot.core.Lsn;
import io.pgpilot.core.NodeObservation;
import io.pgpilot.core.Role;
import io.pgpilot.core.Topology;
import io.pgpilot.core.WalReceiverStatus;
import io.pgpilot.core.WalSender;
import io.pgpilot.core.ports.CommandResult;
import io.pgpilot.core.ports.CommandTarget;
import io.pgpilot.core.ports.Commands;
import io.pgpilot.core.ports.Instance;
import io.pgpilot.core.ports.Instances;
import io.pgpilot.core.ports.ArchiveStatus;
import io.pgpilot.core.ports.NodeProbe;
import io.pgpilot.ec2.Ec2StepExecutor;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The lab's hosts in memory, for the workflow's own logic: EC2 (describe, stop, tags), SSM
 * (each document's effect in a line or two) and the probe. Every action lands in {@link #journal}
 * in order. Not a model of PostgreSQL: just enough state for the workflow to observe its steps.
 * Commands end at once, unless a document is made to last ({@link #lasting}): then they run on
 * {@link #clock}, which awaiting them moves as a real wait would.
 */
public class FakeCluster implements Instances, Commands, NodeProbe {

    public static final String CLUSTER = "lab";
    /** The PostgreSQL system identifier every host's database reports. */
    public static final String SYSTEM_ID = "7300000000000000001";

    public static final class Host {
        public final String name;
        public final String id;
        public final String ip;
        public final Map<String, String> tags = new LinkedHashMap<>();
        public Ec2State ec2 = Ec2State.RUNNING;
        public boolean postgresUp = true;
        public boolean inRecovery;
        public boolean fenced;
        public Lsn lsn = Lsn.parse("0/3000060");
        public String upstream;
        public List<String> sync = List.of();
        public int timeline = 1;

        Host(String name, String id, String ip) {
            this.name = name;
            this.id = id;
            this.ip = ip;
        }

        boolean serving() {
            return ec2 == Ec2State.RUNNING && postgresUp;
        }
    }

    public final Map<String, Host> hosts = new LinkedHashMap<>();
    public final List<String> journal = new ArrayList<>();
    /** Sent commands: document, parameters, target. */
    public final List<Sent> sent = new ArrayList<>();
    private final Map<String, String> failures = new HashMap<>();
    private final List<String> ignored = new ArrayList<>();
    private final Map<String, List<CommandResult>> results = new HashMap<>();
    private final Map<String, Duration> durations = new HashMap<>();
    private final Map<String, Integer> undelivered = new HashMap<>();
    /** Commands of lasting documents, by command id: each runs on one host until its end. */
    private final Map<String, List<Running>> runningCommands = new LinkedHashMap<>();
    /** The time lasting commands run on; the Fixture's clock. */
    public FakeClock clock;
    /** DescribeInstances throws this while it is set: an EC2 API error. */
    public RuntimeException describeFailure;
    public int probes;
    /** Called with {@link #probes} after each probe is counted: a fault that comes while the monitor watches. */
    public java.util.function.IntConsumer onProbe = n -> { };
    /** How many DescribeInstances calls still see an instance stopping after StopInstances; then it is stopped. */
    public int stoppingDescribes;
    private final Map<String, Integer> stopping = new HashMap<>();
    /** DescribeInstances calls. */
    public int describes;
    /** {@link #probes} when an instance was first stopped (the fence of a crashed primary); -1 until then. */
    public int probesBeforeFirstStop = -1;

    public record Sent(String document, Map<String, String> parameters, CommandTarget target) {
    }

    /** One host's invocation of a lasting command: its effect and result land when it ends. */
    private static final class Running {
        final String document;
        final Map<String, String> parameters;
        final Host host;
        final Instant endsAt;
        final String failure;
        CommandResult result;

        Running(String document, Map<String, String> parameters, Host host, Instant endsAt, String failure) {
            this.document = document;
            this.parameters = parameters;
            this.host = host;
            this.endsAt = endsAt;
            this.failure = failure;
        }
    }

    /** The seed chain: pg1 primary → pg2 (synchronous) → pg3, pgpool1 and app1; Debian clusters named as hosts. */
    public static FakeCluster seedChain() {
        FakeCluster lab = new FakeCluster();
        lab.db("pg1", 11, "primary", null, false);
        lab.db("pg2", 12, "standby", "pg1", true);
        lab.db("pg3", 13, "standby", "pg2", false);
        lab.other("pgpool1", 21, "pgpool");
        lab.other("app1", 31, "app");
        lab.host("pg1").sync = List.of("pg2");
        return lab;
    }

    public Host db(String name, int octet, String role, String upstream, boolean sync) {
        Host host = add(name, octet, CLUSTER);
        host.tags.put(ROLE_TAG, role);
        host.tags.put(PGCLUSTER_TAG, name);
        if (upstream != null) {
            host.tags.put(UPSTREAM_TAG, upstream);
        }
        if (sync) {
            host.tags.put(SYNC_TAG, "true");
        }
        host.inRecovery = !role.equals("primary");
        host.upstream = upstream;
        return host;
    }

    public Host other(String name, int octet, String role) {
        Host host = add(name, octet, CLUSTER);
        host.tags.put(ROLE_TAG, role);
        return host;
    }

    public Host add(String name, int octet, String cluster) {
        Host host = new Host(name, String.format("i-%017x", octet), "10.87.0." + octet);
        if (cluster != null) {
            host.tags.put(CLUSTER_TAG, cluster);
            host.tags.put(NAME_TAG, name);
        }
        hosts.put(name, host);
        return host;
    }

    /** A second instance tagged with the name of {@code name}, as a mistaken launch would leave it. */
    public Host twin(String name, int octet) {
        Host original = host(name);
        Host twin = new Host(name, String.format("i-%017x", octet), "10.87.0." + octet);
        twin.tags.putAll(original.tags);
        hosts.put(name + "#twin", twin);
        return twin;
    }

    public Host host(String name) {
        return hosts.get(name);
    }

    public String id(String name) {
        return host(name).id;
    }

    /** The next command of {@code document} fails with exit code 1 and {@code stderr}. */
    public void failNext(String document, String stderr) {
        failures.put(document, stderr);
    }

    /**
     * Commands of {@code document} run for {@code duration} of {@link #clock} (a base backup):
     * InProgress until then, their effect (or failure) landing when they end.
     */
    public void lasting(String document, Duration duration) {
        durations.put(document, duration);
    }

    /**
     * The next {@code times} commands of {@code document} to {@code host} are never delivered: SSM
     * reports them TimedOut (Delivery Timed Out), as for an agent that does not answer.
     */
    public void undelivered(String document, String host, int times) {
        undelivered.put(document + "@" + host, times);
    }

    /** Commands of {@code document} report Success and do nothing: an agent that lies. */
    public void ignore(String document) {
        ignored.add(document);
    }

    public List<String> documents() {
        return sent.stream().map(Sent::document).toList();
    }

    // ----------------------------------------------------------------------------- Instances

    @Override
    public synchronized List<Instance> describe(String cluster) {
        if (describeFailure != null) {
            throw describeFailure;
        }
        describes++;
        stopping.replaceAll((name, left) -> left - 1);
        stopping.forEach((name, left) -> {
            if (left < 0) {
                hosts.get(name).ec2 = Ec2State.STOPPED;
            }
        });
        stopping.values().removeIf(left -> left < 0);
        return hosts.values().stream()
                .filter(h -> cluster.equals(h.tags.get(CLUSTER_TAG)) && h.tags.containsKey(NAME_TAG))
                .map(h -> new Instance(h.name, h.id, h.ec2 == Ec2State.TERMINATED ? null : h.ip, h.ec2,
                        h.tags.get(ROLE_TAG), h.tags))
                .toList();
    }

    @Override
    public synchronized Optional<Map<String, String>> tagsOf(String instanceId) {
        return hosts.values().stream().filter(h -> h.id.equals(instanceId)).findFirst().map(h -> Map.copyOf(h.tags));
    }

    @Override
    public synchronized Map<String, Ec2State> stop(List<String> instanceIds, boolean force) {
        Map<String, Ec2State> states = new LinkedHashMap<>();
        if (probesBeforeFirstStop < 0) {
            probesBeforeFirstStop = probes;
        }
        for (String id : instanceIds) {
            Host host = byId(id);
            journal.add("stop " + host.name + (force ? " (force)" : ""));
            host.ec2 = Ec2State.STOPPING;
            stopping.put(host.name, stoppingDescribes);
            states.put(id, Ec2State.STOPPING);
        }
        return states;
    }

    @Override
    public synchronized void retag(Map<String, Role> rolesByInstanceId) {
        List<String> changes = new ArrayList<>();
        rolesByInstanceId.forEach((id, role) -> {
            byId(id).tags.put(ROLE_TAG, role.tag());
            changes.add(byId(id).name + "=" + role.tag());
        });
        journal.add("retag " + String.join(",", changes));
    }

    // ------------------------------------------------------------------------------ Commands

    @Override
    public synchronized String send(String document, Map<String, String> parameters, CommandTarget target) {
        settle();
        String commandId = "cmd-" + (sent.size() + 1);
        sent.add(new Sent(document, Map.copyOf(parameters), target));
        List<Host> targets = target.cluster() == null ? target.instanceIds().stream().map(this::byId).toList()
                : hosts.values().stream().filter(h -> target.cluster().equals(h.tags.get(CLUSTER_TAG))
                        && h.ec2 == Ec2State.RUNNING).toList();
        journal.add(document + " " + targets.stream().map(h -> h.name).toList());
        String failure = failures.remove(document);
        Duration lasts = durations.get(document);
        if (lasts != null) {
            Objects.requireNonNull(clock, "a lasting command runs on FakeCluster.clock: set it");
            runningCommands.put(commandId, targets.stream().map(host -> new Running(document, Map.copyOf(parameters),
                    host, clock.instant().plus(lasts), failure)).toList());
            return commandId;
        }
        List<CommandResult> done = new ArrayList<>();
        for (Host host : targets) {
            Integer silent = undelivered.get(document + "@" + host.name);
            if (silent != null && silent > 0) {
                undelivered.put(document + "@" + host.name, silent - 1);
                done.add(new CommandResult(host.id, "TimedOut", "Delivery Timed Out", -1, "", ""));
            } else {
                done.add(end(document, parameters, host, failure));
            }
        }
        results.put(commandId, done);
        return commandId;
    }

    @Override
    public synchronized List<CommandResult> await(String commandId, List<String> instanceIds, Duration timeout) {
        settle();
        List<Running> running = runningCommands.get(commandId);
        if (running != null) {
            // As a real wait: until the last of them ends, or the timeout passes.
            Instant until = clock.instant().plus(timeout);
            Instant lastEnd = running.stream().filter(r -> instanceIds.contains(r.host.id)).map(r -> r.endsAt)
                    .max(Instant::compareTo).orElse(clock.instant());
            Instant to = lastEnd.isBefore(until) ? lastEnd : until;
            if (to.isAfter(clock.instant())) {
                clock.advance(Duration.between(clock.instant(), to));
            }
            settle();
            return instanceIds.stream().map(id -> running.stream().filter(r -> r.host.id.equals(id)).findFirst()
                    .map(r -> r.result != null ? r.result : new CommandResult(id, "InProgress", "InProgress", -1, "",
                            "")).orElse(new CommandResult(id, "Pending", "", -1, "", ""))).toList();
        }
        List<CommandResult> done = results.getOrDefault(commandId, List.of());
        return instanceIds.stream().map(id -> done.stream().filter(r -> r.instanceId().equals(id)).findFirst()
                .orElse(new CommandResult(id, "Pending", "", -1, "", ""))).toList();
    }

    @Override
    public synchronized List<String> running(String document, String instanceId) {
        settle();
        return runningCommands.entrySet().stream()
                .filter(e -> e.getValue().stream().anyMatch(r -> r.result == null && r.document.equals(document)
                        && r.host.id.equals(instanceId)))
                .map(Map.Entry::getKey).toList();
    }

    /** Lasting commands whose end has come: their effect lands, in the order they end. */
    private void settle() {
        runningCommands.values().stream().flatMap(List::stream)
                .filter(r -> r.result == null && !r.endsAt.isAfter(clock.instant()))
                .sorted(Comparator.comparing(r -> r.endsAt))
                .forEach(r -> r.result = end(r.document, r.parameters, r.host, r.failure));
    }

    /** A command's result on {@code host}, its effect applied unless it fails. */
    private CommandResult end(String document, Map<String, String> parameters, Host host, String failure) {
        if (failure != null) {
            return new CommandResult(host.id, "Failed", "Failed", 1, "", failure);
        }
        String stdout = ignored.contains(document) ? "" : apply(document, parameters, host);
        return stdout == null ? new CommandResult(host.id, "Failed", "Failed", 1, "",
                "ERROR: " + host.name + " is disabled in start.conf (fenced?)")
                : new CommandResult(host.id, "Success", "Success", 0, stdout, "");
    }

    /** The document's effect on {@code host}; its stdout, or null when it refuses (a fenced rebuild). */
    private String apply(String document, Map<String, String> p, Host host) {
        switch (document) {
            case Ec2StepExecutor.FENCE_NODE -> {
                host.fenced = p.get("action").equals("fence");
                host.postgresUp = host.postgresUp && !host.fenced;
            }
            case Ec2StepExecutor.PROMOTE_STANDBY -> {
                if (host.inRecovery) {
                    host.timeline = hosts.values().stream().mapToInt(h -> h.timeline).max().orElse(1) + 1;
                    hosts.values().stream().filter(h -> host.name.equals(h.upstream))
                            .forEach(h -> h.timeline = host.timeline);
                }
                host.inRecovery = false;
                host.upstream = null;
                return "{\"promoted\":true,\"timeline\":" + host.timeline + "}";
            }
            case Ec2StepExecutor.REPOINT_STANDBY -> host.upstream = p.get("upstreamHost");
            case Ec2StepExecutor.CONFIGURE_PRIMARY -> host.sync = p.get("syncStandbys").isEmpty() ? List.of()
                    : List.of(p.get("syncStandbys").split(","));
            case Ec2StepExecutor.REBUILD_STANDBY -> {
                if (host.fenced) {
                    return null;
                }
                Host upstream = host(p.get("upstreamHost"));
                host.postgresUp = true;
                host.inRecovery = true;
                host.upstream = upstream.name;
                host.timeline = upstream.timeline;
                host.lsn = upstream.lsn;
                host.sync = List.of();
                return "{\"method\":\"rewind\",\"changed\":true}";
            }
            default -> {
                // UpdateHosts, PgpoolBackends: nothing a probe sees.
            }
        }
        return "ok";
    }

    // ----------------------------------------------------------------------------- NodeProbe

    /** What the primary reports of its WAL archive; empty: it does not archive. */
    public Optional<ArchiveStatus> archive = Optional.empty();

    @Override
    public synchronized Optional<ArchiveStatus> archive(Topology topology, String node) {
        Host host = host(node);
        return host.serving() && !host.inRecovery ? archive : Optional.empty();
    }

    @Override
    public synchronized NodeObservation probe(Topology topology, String node) {
        settle();
        probes++;
        onProbe.accept(probes);
        Host host = host(node);
        if (!host.serving()) {
            return NodeObservation.unreachable(node);
        }
        if (!host.inRecovery) {
            List<WalSender> senders = new ArrayList<>();
            String synchronous = host.sync.stream().filter(s -> hosts.containsKey(s) && streamsFrom(host(s), node))
                    .findFirst().orElse(null);
            hosts.values().stream().filter(h -> streamsFrom(h, node))
                    .forEach(h -> senders.add(new WalSender(h.name, true, h.name.equals(synchronous), h.lsn)));
            return NodeObservation.primary(node, host.lsn, host.timeline, host.sync).withWalSenders(senders)
                    .withSystemIdentifier(SYSTEM_ID);
        }
        boolean streaming = streamsFrom(host, host.upstream);
        return NodeObservation.standby(node, host.lsn, host.lsn, host.timeline,
                streaming ? WalReceiverStatus.STREAMING : WalReceiverStatus.WAITING,
                streaming ? host.upstream : null).withSyncStandbys(host.sync).withSystemIdentifier(SYSTEM_ID);
    }

    private boolean streamsFrom(Host host, String upstreamName) {
        Host upstream = upstreamName == null ? null : host(upstreamName);
        return upstream != null && host.inRecovery && host.serving() && upstreamName.equals(host.upstream)
                && upstream.serving() && upstream.timeline >= host.timeline;
    }

    private Host byId(String id) {
        return hosts.values().stream().filter(h -> h.id.equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no instance " + id));
    }
}

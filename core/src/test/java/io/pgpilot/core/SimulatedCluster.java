package io.pgpilot.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model of the lab's hosts for tests: it answers probes the way the JDBC probe and EC2 would,
 * and applies plan steps the way the adapters would, so a test can replay a transition from any
 * intermediate state. Not a mock of the planner: the planner under test never sees it.
 */
final class SimulatedCluster {

    static final Instant T0 = Instant.parse("2026-03-01T03:00:00Z");
    static final FailoverPolicy POLICY = new FailoverPolicy(3, 1024 * 1024, false, "pg-primary.lab.internal");
    /** The PostgreSQL system identifier every copy of the simulated database shares. */
    static final String SYSTEM_ID = "7300000000000000001";
    /** WAL one simulated commit writes. */
    static final long COMMIT_BYTES = 0x100;

    private static final class Host {
        Ec2State ec2 = Ec2State.RUNNING;
        boolean postgresUp = true;
        boolean probeBlocked;
        /** Its replication connection is cut: it answers probes, but receives no WAL (it lags). */
        boolean cutOff;
        String systemId = SYSTEM_ID;
        /** Why its answers cannot be read (what a probe would find garbled), or null. */
        String garbled;
        boolean inRecovery;
        Lsn received;
        Lsn replayed;
        int timeline = 1;
        String upstream;
        List<String> sync = List.of();

        Lsn position() {
            return received.isAfter(replayed) ? received : replayed;
        }
    }

    private Topology topology;
    private final Map<String, Host> hosts = new LinkedHashMap<>();
    private final List<Step> executed = new ArrayList<>();
    private Instant clock = T0;
    /** What the automation last recorded of the primary, as its observer records it. */
    private PrimaryRecord record;
    /** The furthest WAL position of a commit a client was told is durable. */
    private Lsn acknowledged;

    private SimulatedCluster(Topology topology) {
        this.topology = topology;
        topology.nodes().forEach(node -> hosts.put(node.name(), new Host()));
        for (Topology.Node node : topology.nodes()) {
            Host host = hosts.get(node.name());
            host.inRecovery = node.role() != Role.PRIMARY;
            host.upstream = host.inRecovery ? node.upstream() : null;
        }
    }

    /** The seed: pg1 primary → pg2 synchronous cascading standby → pg3 downstream standby, all caught up. */
    static SimulatedCluster seedChain() {
        return new SimulatedCluster(topology(node("pg1", 11, Role.PRIMARY, null, false),
                node("pg2", 12, Role.STANDBY, "pg1", true),
                node("pg3", 13, Role.STANDBY, "pg2", false)))
                .at("pg1", "0/3000060").syncOn("pg1", "pg2").at("pg2", "0/3000060").at("pg3", "0/3000060");
    }

    /** pg1 primary with pg2 (synchronous) and pg3 (asynchronous) both streaming from it. */
    static SimulatedCluster star() {
        return new SimulatedCluster(topology(node("pg1", 11, Role.PRIMARY, null, false),
                node("pg2", 12, Role.STANDBY, "pg1", true),
                node("pg3", 13, Role.STANDBY, "pg1", false)))
                .at("pg1", "0/3000060").syncOn("pg1", "pg2").at("pg2", "0/3000060").at("pg3", "0/3000060");
    }

    static Topology.Node node(String name, int octet, Role role, String upstream, boolean synchronous) {
        String instanceId = String.format("i-%017x", octet);
        return new Topology.Node(name, "10.87.0." + octet, instanceId, role, upstream, synchronous);
    }

    static Topology topology(Topology.Node... nodes) {
        Map<String, String> others = new LinkedHashMap<>();
        others.put("pgpool1", "10.87.0.21");
        others.put("app1", "10.87.0.31");
        return new Topology("lab", List.of(nodes), others);
    }

    // ----------------------------------------------------------------- the state of the hosts

    /**
     * {@code count} commits on the primary. Its WAL grows; every standby whose replication is
     * intact receives it. A commit is acknowledged once the first standby of the primary's
     * synchronous_standby_names that streams from it has it (FIRST 1), or at once when the list
     * is empty; with no such standby connected the commit waits, unacknowledged.
     */
    SimulatedCluster commit(int count) {
        String primary = hosts.entrySet().stream().filter(e -> !e.getValue().inRecovery && serving(e.getValue()))
                .map(Map.Entry::getKey).findFirst().orElseThrow(() -> new IllegalStateException("no primary writes"));
        Host host = host(primary);
        for (int i = 0; i < count; i++) {
            host.replayed = new Lsn(host.replayed.value() + COMMIT_BYTES);
            host.received = host.replayed;
            replicate();
            String synchronous = synchronousStandby(primary);
            if (host.sync.isEmpty() || synchronous != null) {
                acknowledged = host.replayed;
            }
        }
        return this;
    }

    /** The furthest WAL {@code node} holds now, whether or not it answers. */
    Lsn position(String node) {
        return host(node).position();
    }

    /** The highest acknowledged position, or null when nothing was acknowledged since the start. */
    Lsn acknowledged() {
        return acknowledged;
    }

    /** The standby the primary's commits wait for now (FIRST 1), or null. */
    private String synchronousStandby(String primary) {
        for (String name : host(primary).sync) {
            Host standby = hosts.get(name);
            if (standby != null && standby.inRecovery && primary.equals(standby.upstream) && streaming(standby)) {
                return name;
            }
        }
        return null;
    }

    /** Streaming standbys take their upstream's WAL, cascades included. */
    private void replicate() {
        for (int pass = 0; pass < hosts.size(); pass++) {
            for (Host host : hosts.values()) {
                if (host.inRecovery && serving(host) && streaming(host)) {
                    Host upstream = hosts.get(host.upstream);
                    if (upstream.position().isAfter(host.position())) {
                        host.received = upstream.position();
                        host.replayed = upstream.position();
                    }
                }
            }
        }
    }

    /** Its replication connection is cut (a network fault between it and its upstream): it falls behind. */
    SimulatedCluster cutOff(String node) {
        host(node).cutOff = true;
        return this;
    }

    /** The node's PostgreSQL is another database (re-created with initdb): another system identifier. */
    SimulatedCluster foreign(String node, String systemId) {
        host(node).systemId = systemId;
        return this;
    }

    /** The node answers probes with readings that cannot be used ({@code why}). */
    SimulatedCluster garbled(String node, String why) {
        host(node).garbled = why;
        return this;
    }

    /** The primary record as the automation last wrote it; null when it never saw a primary. */
    PrimaryRecord record() {
        return record;
    }

    /** Replaces the primary record, as another writer (or a mistake) would. */
    SimulatedCluster record(PrimaryRecord replacement) {
        this.record = replacement;
        return this;
    }

    /** The node's WAL position: the primary's current LSN, or what a standby has received and replayed. */
    SimulatedCluster at(String node, String lsn) {
        return received(node, lsn, lsn);
    }

    SimulatedCluster received(String node, String received, String replayed) {
        host(node).received = Lsn.parse(received);
        host(node).replayed = Lsn.parse(replayed);
        return this;
    }

    SimulatedCluster syncOn(String node, String... standbys) {
        host(node).sync = List.of(standbys);
        return this;
    }

    /** PostgreSQL dies (kill -9 of the postmaster); the instance keeps running. */
    SimulatedCluster crash(String node) {
        host(node).postgresUp = false;
        return this;
    }

    /** `lab fault stop`: the instance stops, as the EC2 console's "Stop instance" would. */
    SimulatedCluster stopInstance(String node) {
        host(node).ec2 = Ec2State.STOPPED;
        return this;
    }

    SimulatedCluster ec2(String node, Ec2State state) {
        host(node).ec2 = state;
        return this;
    }

    /** The probe cannot reach the node, but replication between the nodes still flows. */
    SimulatedCluster blockProbe(String node) {
        host(node).probeBlocked = true;
        return this;
    }

    SimulatedCluster unblockProbe(String node) {
        host(node).probeBlocked = false;
        return this;
    }

    /** The instance is started again and PostgreSQL comes up as it was left: a primary comes back writable. */
    SimulatedCluster restart(String node) {
        Host host = host(node);
        host.ec2 = Ec2State.RUNNING;
        host.postgresUp = true;
        return this;
    }

    /** The node is re-cloned from {@code upstream} and runs as its standby. */
    SimulatedCluster rebuild(String node, String upstream) {
        Host host = host(node);
        Host source = host(upstream);
        restart(node);
        host.inRecovery = true;
        host.upstream = upstream;
        host.timeline = source.timeline;
        host.received = source.replayed;
        host.replayed = source.replayed;
        host.sync = List.of();
        host.cutOff = false;
        host.systemId = source.systemId;
        return this;
    }

    /** Someone other than pgpilot promotes the node (an operator, pgpool's failover_command). */
    SimulatedCluster promoteBehindOurBack(String node) {
        apply(new Step.Promote(node));
        executed.remove(executed.size() - 1);
        return this;
    }

    // ----------------------------------------------------------------- probing

    NodeObservation probe(String node) {
        Host host = host(node);
        if (!reachable(host)) {
            return NodeObservation.unreachable(node);
        }
        if (host.garbled != null) {
            return NodeObservation.unusable(node, host.systemId, host.garbled);
        }
        if (!host.inRecovery) {
            String synchronous = synchronousStandby(node);
            List<WalSender> senders = hosts.entrySet().stream()
                    .filter(e -> e.getValue().inRecovery && node.equals(e.getValue().upstream)
                            && serving(e.getValue()) && streaming(e.getValue()))
                    .map(e -> new WalSender(e.getKey(), true, e.getKey().equals(synchronous), e.getValue().position()))
                    .toList();
            return NodeObservation.primary(node, host.replayed, host.timeline, host.sync).withWalSenders(senders)
                    .withSystemIdentifier(host.systemId);
        }
        WalReceiverStatus status = streaming(host) ? WalReceiverStatus.STREAMING : WalReceiverStatus.WAITING;
        return NodeObservation.standby(node, host.received, host.replayed, host.timeline, status, host.upstream)
                .withSyncStandbys(host.sync).withSystemIdentifier(host.systemId);
    }

    ProbeRound round() {
        List<NodeObservation> nodes = hosts.keySet().stream().map(this::probe).toList();
        ProbeRound round = new ProbeRound(clock, nodes);
        clock = clock.plus(Duration.ofSeconds(1));
        return round;
    }

    /**
     * {@code rounds} probe rounds of the current state, with the EC2 states and the primary
     * record, which they update as the automation's observer does: from the latest round that saw
     * the tagged primary writable (or the one writable node in service), when it is the recorded database.
     */
    ClusterObservation observe(int rounds) {
        List<ProbeRound> probes = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            probes.add(round());
        }
        recordFrom(probes);
        return observation(probes);
    }

    private void recordFrom(List<ProbeRound> rounds) {
        for (int i = rounds.size() - 1; i >= 0; i--) {
            List<NodeObservation> writable = rounds.get(i).nodes().stream()
                    .filter(o -> o.writable() && topology.node(o.node()).role() != Role.REBUILD).toList();
            if (writable.size() == 1 && (record == null
                    || record.systemIdentifier().equals(writable.get(0).systemIdentifier()))) {
                record = PrimaryRecord.of(topology.cluster(), writable.get(0), rounds.get(i).at());
                return;
            }
        }
    }

    ClusterObservation observation(List<ProbeRound> rounds) {
        Map<String, Ec2State> states = new LinkedHashMap<>();
        hosts.forEach((name, host) -> states.put(name, host.ec2));
        return new ClusterObservation(rounds, states, record);
    }

    Decision decide(FailoverPolicy policy) {
        return new FailoverPlanner(policy).decide(topology, observe(policy.confirmationProbes()));
    }

    Decision decide() {
        return decide(POLICY);
    }

    Topology topology() {
        return topology;
    }

    List<Step> executed() {
        return List.copyOf(executed);
    }

    // ----------------------------------------------------------------- executing steps

    void run(List<Step> steps) {
        steps.forEach(this::apply);
    }

    /**
     * Executes one step as the executors would and says how it went: a catch-up fails when the
     * target lags, a rebuild waits for a stopped instance, everything else does what it says.
     */
    StepResult execute(Step step) {
        if (step instanceof Step.AwaitCatchUp catchUp) {
            long behind = host(catchUp.primary()).position().bytesAfter(host(catchUp.target()).position());
            executed.add(step);
            return behind <= 0 ? result(step, StepResult.Status.DONE, catchUp.target() + " caught up")
                    : result(step, StepResult.Status.FAILED, catchUp.target() + " was still " + behind + " bytes behind "
                            + catchUp.primary());
        }
        if (step instanceof Step.RebuildStandby rebuild) {
            executed.add(step);
            if (host(rebuild.node()).ec2 != Ec2State.RUNNING) {
                return result(step, StepResult.Status.DEFERRED, "deferred");
            }
            rebuild(rebuild.node(), rebuild.upstream());
            return result(step, StepResult.Status.DONE, rebuild.node() + " rebuilt");
        }
        apply(step);
        return result(step, StepResult.Status.DONE, "done");
    }

    private static StepResult result(Step step, StepResult.Status status, String detail) {
        return new StepResult(step, status, detail, Duration.ZERO);
    }

    void apply(Step step) {
        executed.add(step);
        if (step instanceof Step.Fence fence) {
            if (fence.how().stopsInstance()) {
                host(fence.node()).ec2 = Ec2State.STOPPED;
            } else {
                host(fence.node()).postgresUp = false;
            }
        } else if (step instanceof Step.Promote promote) {
            promote(promote.node());
        } else if (step instanceof Step.Repoint repoint) {
            host(repoint.node()).upstream = repoint.upstream();
        } else if (step instanceof Step.SetSyncStandbys sync) {
            host(sync.primary()).sync = sync.standbys();
        } else if (step instanceof Step.RetagInstances retag) {
            List<Topology.Node> nodes = topology.nodes().stream()
                    .map(n -> new Topology.Node(n.name(), n.address(), n.instanceId(),
                            retag.roles().getOrDefault(n.name(), n.role()), n.upstream(), n.synchronous()))
                    .toList();
            topology = new Topology(topology.cluster(), nodes, topology.otherHosts());
        }
        // Hosts files, DNS, pgpool, rebuild requests and notifications leave nothing a probe could see.
    }

    private void promote(String node) {
        Host promoted = host(node);
        int timeline = hosts.values().stream().mapToInt(h -> h.timeline).max().orElseThrow() + 1;
        List<Host> followers = hosts.values().stream()
                .filter(h -> h != promoted && h.inRecovery && serving(h) && streamsThrough(h, node)).toList();
        promoted.inRecovery = false;
        promoted.upstream = null;
        promoted.timeline = timeline;
        promoted.received = promoted.position();
        promoted.replayed = promoted.received;
        // recovery_target_timeline = latest: standbys downstream of the promoted node follow it.
        followers.forEach(h -> h.timeline = timeline);
    }

    private boolean streamsThrough(Host host, String node) {
        for (int depth = 0; host != null && host.upstream != null && depth < hosts.size(); depth++) {
            if (host.upstream.equals(node)) {
                return true;
            }
            host = hosts.get(host.upstream);
        }
        return false;
    }

    private boolean reachable(Host host) {
        return host.ec2 == Ec2State.RUNNING && host.postgresUp && !host.probeBlocked;
    }

    /** PostgreSQL keeps running while its instance is stopping, until the OS shuts it down. */
    private boolean serving(Host host) {
        return (host.ec2 == Ec2State.RUNNING || host.ec2 == Ec2State.STOPPING) && host.postgresUp;
    }

    /**
     * A standby stays connected to a serving upstream, primary or standby, unless that is on an
     * older timeline or its replication connection is cut.
     */
    private boolean streaming(Host host) {
        Host upstream = host.upstream == null ? null : hosts.get(host.upstream);
        return !host.cutOff && upstream != null && serving(upstream) && upstream.timeline >= host.timeline;
    }

    private Host host(String node) {
        Host host = hosts.get(node);
        if (host == null) {
            throw new IllegalArgumentException("no host " + node);
        }
        return host;
    }
}

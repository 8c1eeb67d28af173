package io.pgpilot.core;

import static io.pgpilot.core.SimulatedCluster.POLICY;
import static io.pgpilot.core.SimulatedCluster.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad input gets a clear IllegalArgumentException and no decision at all. */
class PlannerInputTest {

    private final SimulatedCluster cluster = SimulatedCluster.seedChain();
    private final FailoverPlanner planner = new FailoverPlanner(POLICY);

    @Test
    void givenNullPolicyTopologyOrObservation_whenPlanning_thenEachIsNamed() {
        assertRejected("failover policy is missing (null)", () -> new FailoverPlanner(null));
        assertRejected("topology is missing (null)", () -> planner.decide(null, cluster.observe(1)));
        assertRejected("cluster observation is missing (null)", () -> planner.decide(cluster.topology(), null));
    }

    @Test
    void givenObservationOfAnUnknownNode_whenPlanning_thenRejectedNamingTheKnownOnes() {
        ProbeRound round = new ProbeRound(T0, List.of(cluster.probe("pg1"), cluster.probe("pg2"), cluster.probe("pg3"),
                NodeObservation.unreachable("pg9")));

        assertRejected("unknown node \"pg9\": cluster lab has [pg1, pg2, pg3]",
                () -> planner.decide(cluster.topology(), cluster.observation(List.of(round))));
    }

    @Test
    void givenRoundThatMissesANode_whenPlanning_thenRejected() {
        ProbeRound round = new ProbeRound(T0, List.of(cluster.probe("pg1"), cluster.probe("pg2")));

        assertRejected("the round at 2026-03-01T03:00:00Z has no observation of \"pg3\"",
                () -> planner.decide(cluster.topology(), cluster.observation(List.of(round))));
    }

    @Test
    void givenEc2StateOfAnUnknownNode_whenPlanning_thenRejected() {
        ClusterObservation observed = new ClusterObservation(cluster.observe(1).rounds(),
                Map.of("pg7", Ec2State.STOPPED), null);

        assertRejected("unknown node \"pg7\"", () -> planner.decide(cluster.topology(), observed));
    }

    @Test
    void givenStandbyStreamingFromAnUnknownUpstream_whenPlanning_thenRejected() {
        ProbeRound round = new ProbeRound(T0, List.of(cluster.probe("pg1"), cluster.probe("pg2"),
                NodeObservation.standby("pg3", Lsn.ZERO, Lsn.ZERO, 1, WalReceiverStatus.STREAMING, "10.87.0.99")));

        assertRejected("unknown node \"10.87.0.99\"",
                () -> planner.decide(cluster.topology(), cluster.observation(List.of(round))));
    }

    @Test
    void givenMalformedObservations_whenBuilt_thenRejected() {
        assertRejected("observed node name is missing (null)", () -> NodeObservation.unreachable(null));
        assertRejected("observation of unreachable node pg1 carries readings",
                () -> new NodeObservation("pg1", false, true, null, null, 0, WalReceiverStatus.NONE, null, List.of(),
                        List.of(), null, null));
        assertRejected("replayed LSN of pg2 is missing (null)",
                () -> NodeObservation.standby("pg2", null, null, 1, WalReceiverStatus.STREAMING, "pg1"));
        assertRejected("timeline of pg2 must be at least 1, was 0",
                () -> NodeObservation.standby("pg2", Lsn.ZERO, Lsn.ZERO, 0, WalReceiverStatus.STREAMING, "pg1"));
        assertRejected("pg1 is not in recovery (a primary) yet reports a WAL receiver",
                () -> new NodeObservation("pg1", true, false, Lsn.ZERO, Lsn.ZERO, 1, WalReceiverStatus.STREAMING, "pg2",
                        List.of(), List.of(), null, null));
        assertRejected("pg2 is in recovery (a standby): its WAL senders are not a primary's",
                () -> NodeObservation.standby("pg2", Lsn.ZERO, Lsn.ZERO, 1, WalReceiverStatus.STREAMING, "pg1")
                        .withWalSenders(List.of(new WalSender("pg3", true, false, Lsn.ZERO))));
        assertRejected("observation of unusable node pg2 carries readings",
                () -> NodeObservation.unusable("pg2", null, "garbled").withSyncStandbys(List.of("pg3")));
        assertRejected("why the answer of pg2 is unusable is missing (null)",
                () -> NodeObservation.unusable("pg2", null, null));
        assertRejected("an element of synchronous standbys of pg1 is missing (null)",
                () -> NodeObservation.primary("pg1", Lsn.ZERO, 1, java.util.Arrays.asList("pg2", null)));
        assertRejected("observes pg1 twice",
                () -> new ProbeRound(T0,
                        List.of(NodeObservation.unreachable("pg1"), NodeObservation.unreachable("pg1"))));
        assertRejected("probe time is missing (null)", () -> new ProbeRound(null, List.of()));
    }

    @Test
    void givenMalformedClusterObservations_whenBuilt_thenRejected() {
        ProbeRound early = new ProbeRound(T0, List.of());
        ProbeRound late = new ProbeRound(T0.plusSeconds(1), List.of());

        assertRejected("at least one probe round", () -> new ClusterObservation(List.of(), Map.of(), null));
        assertRejected("probe rounds must be oldest first",
                () -> new ClusterObservation(List.of(late, early), Map.of(), null));
        assertRejected("EC2 state of pg1 is missing (null)", () -> new ClusterObservation(List.of(early),
                new java.util.HashMap<>(java.util.Collections.singletonMap("pg1", null)), null));
    }

    @Test
    void givenNoEc2StateForANode_whenRead_thenUnknown() {
        ClusterObservation observed = new ClusterObservation(List.of(new ProbeRound(T0, List.of())), Map.of(), null);

        assertEquals(Ec2State.UNKNOWN, observed.ec2State("pg1"));
    }

    @Test
    void givenInvalidPolicies_whenBuilt_thenRejected() {
        assertRejected("confirmation probes must be at least 1, was 0", () -> new FailoverPolicy(0, 0, false, null));
        assertRejected("the RPO guard must be 0 bytes or more, was -1", () -> new FailoverPolicy(1, -1, false, null));
        assertRejected("DNS record name \"pg primary\" is not a valid host name",
                () -> new FailoverPolicy(1, 0, false, "pg primary"));
    }

    @Test
    void givenAwsAndTagStrings_whenParsed_thenKnownOnesMapAndOthersAreRejected() {
        assertEquals(Ec2State.SHUTTING_DOWN, Ec2State.fromAws("shutting-down"));
        assertEquals("shutting-down", Ec2State.SHUTTING_DOWN.awsName());
        assertRejected("unknown EC2 instance state \"unknown\"", () -> Ec2State.fromAws("unknown"));
        assertRejected("EC2 state is missing (null)", () -> Ec2State.fromAws(null));
        assertEquals(Role.REBUILD, Role.fromTag("rebuild"));
        assertEquals("primary", Role.PRIMARY.tag());
        assertRejected("unknown pgpilot:role \"pgpool\"", () -> Role.fromTag("pgpool"));
    }

    @Test
    void givenEc2States_whenClassified_thenOnlyStoppedAndTerminatedNeedNoFence() {
        for (Ec2State state : Ec2State.values()) {
            boolean goingDown = List.of(Ec2State.STOPPING, Ec2State.STOPPED, Ec2State.SHUTTING_DOWN,
                    Ec2State.TERMINATED).contains(state);
            assertEquals(goingDown, state.isGoingDown(), state::name);
            assertEquals(state == Ec2State.STOPPED || state == Ec2State.TERMINATED, state.isStopped(), state::name);
        }
    }

    static void assertRejected(String message, Executable action) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, action);
        assertTrue(error.getMessage().contains(message),
                () -> "message \"" + error.getMessage() + "\" lacks \"" + message + "\"");
    }
}

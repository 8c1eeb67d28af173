package io.pgpilot.core;

import static io.pgpilot.core.PlannerInputTest.assertRejected;
import static io.pgpilot.core.SimulatedCluster.node;
import static io.pgpilot.core.SimulatedCluster.topology;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopologyTest {

    private static final Topology.Node PG1 = node("pg1", 11, Role.PRIMARY, null, false);
    private static final Topology.Node PG2 = node("pg2", 12, Role.STANDBY, "pg1", true);
    private static final Topology.Node PG3 = node("pg3", 13, Role.STANDBY, "pg2", false);

    @Test
    void givenSeedChain_whenBuilt_thenNodesKeepTheirOrderAndThePrimaryIsFound() {
        Topology topology = topology(PG1, PG2, PG3);

        assertEquals(List.of("pg1", "pg2", "pg3"), topology.names());
        assertEquals(PG1, topology.primary().orElseThrow());
        assertEquals("pg2", topology.node("pg3").upstream());
        assertTrue(topology.node("pg2").synchronous());
    }

    @Test
    void givenHostsMap_whenBuilt_thenNodesThenOtherHostsThenThePrimaryAlias() {
        Map<String, String> hosts = topology(PG1, PG2, PG3).hostsMap("pg2");

        assertEquals(List.of("pg1", "pg2", "pg3", "pgpool1", "app1", "pg-primary"), List.copyOf(hosts.keySet()));
        assertEquals("10.87.0.12", hosts.get("pg-primary"));
    }

    @Test
    void givenNoTaggedPrimary_whenBuilt_thenAllowedBecauseAnInterruptedRetagCanLeaveNone() {
        Topology topology = topology(node("pg1", 11, Role.REBUILD, null, false), PG2);

        assertTrue(topology.primary().isEmpty());
    }

    @Test
    void givenInconsistentShapes_whenBuilt_thenRejectedWithWhatIsWrong() {
        assertRejected("upstream pg9 of node pg2 is not a node of cluster lab",
                () -> topology(PG1, node("pg2", 12, Role.STANDBY, "pg9", false)));
        assertRejected("node pg2 cannot stream from itself",
                () -> topology(PG1, node("pg2", 12, Role.STANDBY, "pg2", false)));
        assertRejected("duplicate node name \"PG1\"", () -> topology(PG1, node("PG1", 12, Role.STANDBY, null, false)));
        assertRejected("duplicate address \"10.87.0.11\"",
                () -> topology(PG1,
                        new Topology.Node("pg2", "10.87.0.11", "i-0000000000000000c", Role.STANDBY, null, false)));
        assertRejected("[pg1, pg2] are all tagged primary",
                () -> topology(PG1, node("pg2", 12, Role.PRIMARY, null, false)));
        assertRejected("[pg2, pg3] are all marked synchronous",
                () -> topology(PG1, PG2, node("pg3", 13, Role.STANDBY, "pg1", true)));
        assertRejected("pg-primary is the alias of the current primary",
                () -> topology(PG1, node("pg-primary", 12, Role.STANDBY, null, false)));
        assertRejected("duplicate host name \"pgpool1\"",
                () -> topology(PG1, node("pgpool1", 12, Role.STANDBY, null, false)));
        assertRejected("at least one node", () -> new Topology("lab", List.of(), Map.of()));
        assertRejected("unknown node \"pg4\": cluster lab has [pg1]", () -> topology(PG1).node("pg4"));
        assertRejected("node name is missing (null)", () -> topology(PG1).node(null));
    }

    @Test
    void givenHostileOrMalformedValues_whenBuilt_thenRejectedBeforeTheyReachAHost() {
        assertRejected("node name \"pg1\\u000a10.0.0.66 evil\" is not a valid host name",
                () -> new Topology.Node("pg1\n10.0.0.66 evil", "10.87.0.11", "i-0000000000000000b", Role.PRIMARY,
                        null, false));
        assertRejected("address of pg1 \"10.87.0.11; reboot\" is not a literal IPv4 address",
                () -> new Topology.Node("pg1", "10.87.0.11; reboot", "i-0000000000000000b", Role.PRIMARY, null, false));
        assertRejected("instance id of pg1 \"i-$(id)\" is not an EC2 instance id",
                () -> new Topology.Node("pg1", "10.87.0.11", "i-$(id)", Role.PRIMARY, null, false));
        assertRejected("role of pg1 is missing (null)",
                () -> new Topology.Node("pg1", "10.87.0.11", "i-0000000b", null, null, false));
        assertRejected("upstream of pg2 \"pg_1\" is not a valid host name",
                () -> new Topology.Node("pg2", "10.87.0.12", "i-0000000c", Role.STANDBY, "pg_1", false));
        assertRejected("cluster name \"lab cluster\" must be 1 to 63 letters",
                () -> new Topology("lab cluster", List.of(PG1), Map.of()));
        assertRejected("address of app1 \"app1.internal\" is not a literal",
                () -> new Topology("lab", List.of(PG1), Map.of("app1", "app1.internal")));
    }
}

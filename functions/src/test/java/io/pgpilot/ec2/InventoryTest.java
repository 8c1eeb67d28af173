package io.pgpilot.ec2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.Ec2State;
import io.pgpilot.core.Role;
import io.pgpilot.core.Topology;
import io.pgpilot.core.ports.Instance;
import io.pgpilot.fakes.FakeCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The core's topology from EC2 tags and private addresses. */
class InventoryTest {

    private final FakeCluster lab = FakeCluster.seedChain();

    @Test
    void givenTheLabsTags_whenRead_thenDatabaseNodesInNameOrderAndEveryOtherHostBesideThem() {
        Inventory inventory = Inventory.of("lab", lab.describe("lab"));
        Topology topology = inventory.topology();

        assertEquals(List.of("pg1", "pg2", "pg3"), topology.names());
        assertEquals(new Topology.Node("pg2", "10.87.0.12", lab.id("pg2"), Role.STANDBY, "pg1", true),
                topology.node("pg2"));
        assertEquals(new Topology.Node("pg3", "10.87.0.13", lab.id("pg3"), Role.STANDBY, "pg2", false),
                topology.node("pg3"));
        assertEquals(Map.of("app1", "10.87.0.31", "pgpool1", "10.87.0.21"), topology.otherHosts());
        assertEquals("pg1", inventory.taggedPrimary().orElseThrow());
        assertEquals("pg3", inventory.pgCluster("pg3"));
        assertEquals(List.of("pgpool1"), inventory.pgpoolHosts().stream().map(Instance::name).toList());
    }

    @Test
    void givenNodeWithoutAPgclusterTag_whenRead_thenItsDebianClusterIsMain() {
        lab.host("pg2").tags.remove("pgpilot:pgcluster");

        assertEquals("main", Inventory.of("lab", lab.describe("lab")).pgCluster("pg2"));
    }

    @Test
    void givenTerminatedPrimaryWithoutAnAddress_whenRead_thenItStaysANodeOnAnUnroutedAddress() {
        lab.host("pg1").ec2 = Ec2State.TERMINATED;

        Inventory inventory = Inventory.of("lab", lab.describe("lab"));

        assertEquals("192.0.2.1", inventory.topology().node("pg1").address());
        assertEquals(Ec2State.TERMINATED, inventory.ec2States().get("pg1"));
    }

    @Test
    void givenReplacedInstanceUnderTheSameName_whenRead_thenTheLiveOneCounts() {
        List<Instance> instances = new ArrayList<>(lab.describe("lab"));
        instances.add(new Instance("pg3", "i-0000000000000fff", null, Ec2State.TERMINATED, "standby"));

        assertEquals(lab.id("pg3"), Inventory.of("lab", instances).instanceId("pg3"));
    }

    @Test
    void givenTagsThatDoNotFormACluster_whenRead_thenAClearError() {
        List<Instance> twice = new ArrayList<>(lab.describe("lab"));
        twice.add(new Instance("pg3", "i-0000000000000fff", "10.87.0.99", Ec2State.RUNNING, "standby"));
        lab.host("pg3").tags.put("pgpilot:upstream", "pg7");

        String duplicate = assertThrows(IllegalArgumentException.class, () -> Inventory.of("lab", twice)).getMessage();
        String upstream = assertThrows(IllegalArgumentException.class,
                () -> Inventory.of("lab", lab.describe("lab"))).getMessage();
        String empty = assertThrows(IllegalArgumentException.class,
                () -> Inventory.of("lab", lab.describe("lab").stream().filter(i -> i.role().isEmpty()).toList()))
                .getMessage();

        assertTrue(duplicate.contains("are all named pg3 (pgpilot:name)"), duplicate);
        assertEquals("the tags of cluster lab do not form a valid cluster: upstream pg7 of node pg3 is not a node of"
                + " cluster lab", upstream);
        assertTrue(empty.startsWith("cluster lab has no database instance"), empty);
    }
}

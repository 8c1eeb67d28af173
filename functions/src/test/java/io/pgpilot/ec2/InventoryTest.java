package io.pgpilot.ec2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.Ec2State;
import io.pgpilot.core.Role;
import io.pgpilot.core.Topology;
import io.pgpilot.core.ports.Instance;
import io.pgpilot.fakes.FakeCluster;
import java.time.Instant;
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
    void givenASecondInstanceWithATakenName_whenRead_thenTheOneLaunchedLaterIsExcludedAndTheRestServed() {
        List<Instance> instances = new ArrayList<>();
        for (Instance i : lab.describe("lab")) {
            instances.add(new Instance(i.name(), i.instanceId(), i.privateIp(), i.state(), i.roleTag(), i.tags(),
                    Instant.parse("2030-01-01T00:00:00Z")));
        }
        instances.add(new Instance("pg1", "i-00000000000000aa", "10.87.0.99", Ec2State.RUNNING, "primary", Map.of(),
                Instant.parse("2030-02-01T00:00:00Z")));

        Inventory inventory = Inventory.of("lab", instances);

        assertEquals(lab.id("pg1"), inventory.instanceId("pg1"), "the member launched first keeps the name");
        assertEquals(List.of("pg1", "pg2", "pg3"), inventory.topology().names());
        String why = inventory.topology().excluded().get("i-00000000000000aa");
        assertTrue(why.contains("is named \"pg1\" (pgpilot:name) like " + lab.id("pg1")), why);
    }

    @Test
    void givenAnInvalidNameOrAnUpstreamThatIsNoNode_whenRead_thenOnlyThatTagIsLeftOut() {
        List<Instance> instances = new ArrayList<>(lab.describe("lab"));
        instances.add(new Instance("app 2; rm", "i-00000000000000bb", "10.87.0.32", Ec2State.RUNNING, "app"));
        lab.host("pg3").tags.put("pgpilot:upstream", "pg7");
        instances.removeIf(i -> i.name().equals("pg3"));
        instances.addAll(lab.describe("lab").stream().filter(i -> i.name().equals("pg3")).toList());

        Inventory inventory = Inventory.of("lab", instances);

        assertTrue(inventory.topology().excluded().get("i-00000000000000bb").contains("app 2; rm"),
                inventory.topology().excluded()::toString);
        assertEquals(null, inventory.topology().node("pg3").upstream(), "read as none: it follows the primary");
        assertTrue(inventory.topology().excluded().values().stream().anyMatch(w -> w.contains("pg3's pgpilot:upstream"
                + " \"pg7\" names no other node")), inventory.topology().excluded()::toString);
        assertEquals(Map.of("app1", "10.87.0.31", "pgpool1", "10.87.0.21"), inventory.topology().otherHosts());
    }

    @Test
    void givenTagsThatDoNotFormACluster_whenRead_thenAClearError() {
        lab.host("pg2").tags.put("pgpilot:role", "primary");

        String twoPrimaries = assertThrows(IllegalArgumentException.class,
                () -> Inventory.of("lab", lab.describe("lab"))).getMessage();
        String empty = assertThrows(IllegalArgumentException.class,
                () -> Inventory.of("lab", lab.describe("lab").stream().filter(i -> i.role().isEmpty()).toList()))
                .getMessage();

        assertTrue(twoPrimaries.startsWith("the tags of cluster lab do not form a valid cluster: nodes [pg1, pg2] are"
                + " all tagged primary"), twoPrimaries);
        assertTrue(empty.startsWith("cluster lab has no database instance"), empty);
    }
}

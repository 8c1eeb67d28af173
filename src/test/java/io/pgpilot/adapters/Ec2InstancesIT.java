package io.pgpilot.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.Ec2State;
import io.pgpilot.core.Role;
import io.pgpilot.core.ports.Instance;
import io.pgpilot.core.ports.Instances;
import io.pgpilot.lab.Lab;
import io.pgpilot.lab.LabExtension;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Tag;


@ExtendWith(LabExtension.class)
class Ec2InstancesIT {

  /** An image id the emulator knows. */
  private static final String IMAGE_ID = "ami-12c6146b";

  private static Ec2Client ec2;

  @BeforeAll
  static void client() {
    ec2 = Emulator.client(Ec2Client.builder());
  }

  @AfterAll
  static void close() {
    ec2.close();
  }

  @Test
  void givenTheLab_whenItsClusterIsDescribed_thenEveryLabHostWithItsAddressAndTheDatabaseNodesWithRoles(Lab lab) {
    Lab.Status status = lab.status();

    List<Instance> instances = new Ec2Instances(ec2).describe("lab");

    assertEquals(List.of("app1", "pg1", "pg2", "pg3", "pgpool1"),
        instances.stream().map(Instance::name).distinct().sorted().toList());
    Map<String, Instance> byId = instances.stream().collect(Collectors.toMap(Instance::instanceId, i -> i));
    for (Lab.Node node : status.nodes()) {
      Instance instance = byId.get(node.instanceId());
      assertEquals(node.name(), instance.name());
      assertEquals(node.address(), instance.privateIp(), node.name());
      assertTrue(instance.role().isPresent(), () -> node.name() + " has a database role: " + instance);
    }
    for (Instance other : instances.stream().filter(i -> i.name().equals("pgpool1") || i.name().equals("app1")).toList()) {
      assertEquals(Optional.empty(), other.role(), other::toString);
    }
    assertTrue(instances.stream().anyMatch(i -> i.name().equals("pgpool1")
        && i.privateIp().equals(status.pgpool().address())), instances::toString);
  }

  @Test
  void givenMoreInstancesThanAPage_whenDescribed_thenAllNamedOnesAcrossPagesAndNoOtherCluster() {
    String cluster = Emulator.unique("it-ec2");
    Map<String, String> ids = launch(cluster, "pg1", "pg2", "pg3", "pg4", "pgpool1", "app1");
    launch(Emulator.unique("it-ec2-other"), "pg1");
    runInstance(List.of(tag(Instances.CLUSTER_TAG, cluster)));   // no pgpilot:name: not a managed host

    List<Instance> found = new Ec2Instances(ec2, 5).describe(cluster);

    assertEquals(ids, found.stream().collect(Collectors.toMap(Instance::name, Instance::instanceId)));
    assertTrue(found.stream().allMatch(i -> i.state() == Ec2State.RUNNING && i.privateIp() != null), found::toString);
    assertEquals(Optional.of(Role.STANDBY), byName(found, "pg2").role());
  }

  @Test
  void givenRunningInstances_whenTheFenceStopsTwo_thenThoseTwoAreStoppedAndTheOthersStillRun() {
    String cluster = Emulator.unique("it-fence");
    Map<String, String> ids = launch(cluster, "pg1", "pg2", "pg3");
    Instances instances = new Ec2Instances(ec2);

    Map<String, Ec2State> reported = instances.stop(List.of(ids.get("pg1"), ids.get("pg3")), true);

    assertEquals(Map.of(ids.get("pg1"), Ec2State.STOPPED, ids.get("pg3"), Ec2State.STOPPED).keySet(), reported.keySet());
    Map<String, Ec2State> states = instances.describe(cluster).stream()
        .collect(Collectors.toMap(Instance::name, Instance::state));
    assertEquals(Map.of("pg1", Ec2State.STOPPED, "pg2", Ec2State.RUNNING, "pg3", Ec2State.STOPPED), states);
    // Fencing twice is as good as once.
    instances.stop(List.of(ids.get("pg1")), false);
    assertEquals(Ec2State.STOPPED, byName(instances.describe(cluster), "pg1").state());
  }

  @Test
  void givenAFailover_whenRetagged_thenTheTagsNameTheNewPrimaryAndTheFencedOne() {
    String cluster = Emulator.unique("it-retag");
    Map<String, String> ids = launch(cluster, "pg1", "pg2", "pg3");
    Instances instances = new Ec2Instances(ec2);
    Map<String, Role> roles = new LinkedHashMap<>();
    roles.put(ids.get("pg1"), Role.REBUILD);
    roles.put(ids.get("pg2"), Role.PRIMARY);

    instances.retag(roles);

    Map<String, String> tags = instances.describe(cluster).stream()
        .collect(Collectors.toMap(Instance::name, Instance::roleTag));
    assertEquals(Map.of("pg1", "rebuild", "pg2", "primary", "pg3", "standby"), tags);
  }

  /** One tagged instance per name, as the lab registers its hosts: pg1 primary, other pg* standbys. */
  private static Map<String, String> launch(String cluster, String... names) {
    Map<String, String> ids = new LinkedHashMap<>();
    for (String name : names) {
      String role = name.equals("pg1") ? "primary" : name.startsWith("pg") && !name.startsWith("pgpool") ? "standby"
          : name.replaceAll("[0-9]", "");
      ids.put(name, runInstance(List.of(tag(Instances.CLUSTER_TAG, cluster), tag(Instances.NAME_TAG, name),
          tag(Instances.ROLE_TAG, role))));
    }
    return ids;
  }

  /** One instance per RunInstances, so one reservation each: DescribeInstances pages by reservation. */
  private static String runInstance(List<Tag> tags) {
    return ec2.runInstances(r -> r.imageId(IMAGE_ID).instanceType("t4g.micro").minCount(1).maxCount(1)
            .tagSpecifications(t -> t.resourceType(ResourceType.INSTANCE).tags(tags)))
        .instances().get(0).instanceId();
  }

  private static Tag tag(String key, String value) {
    return Tag.builder().key(key).value(value).build();
  }

  private static Instance byName(List<Instance> instances, String name) {
    return instances.stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow();
  }
}

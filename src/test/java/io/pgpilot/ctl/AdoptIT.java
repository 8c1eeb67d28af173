package io.pgpilot.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpilot.adapters.AwsClients;
import io.pgpilot.config.ClusterConfig;
import io.pgpilot.failover.LabAutomation;
import io.pgpilot.handlers.EventRouter;
import io.pgpilot.lab.Lab;
import io.pgpilot.lab.LabExtension;
import io.pgpilot.runner.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Tag;

/**
 * {@code pgpilot ctl adopt} on the lab built by hand, as the source documents build a chain
 * (`lab up --hand-built`: passwords in primary_conninfo, synchronous_standby_names '*', no pgpilot
 * tag, setting or hosts block): the dry run changes nothing, bad targets are refused and change
 * nothing, --apply makes it a pgpilot cluster without restarting PostgreSQL, and pgpilot then
 * fails it over without losing an acknowledged commit.
 */
@ExtendWith(LabExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdoptIT {

  private static final List<String> NODES = List.of("pg1", "pg2", "pg3");
  private static Lab lab;
  private static LabAutomation.ServedSsm ssm;
  private static Map<String, String> env;
  private static Ec2Client ec2;


  @BeforeAll
  static void handBuiltLab(Lab theLab) throws Exception {
    lab = theLab;
    lab.must("down");
    lab.must("up", "--hand-built");
    LabAutomation.deployDocuments();
    ssm = LabAutomation.serveSsm();
    env = LabAutomation.environment(lab);
    ec2 = AwsClients.fromEnvironment(Ec2Client.builder());
  }

  @AfterAll
  static void pgpilotsLabAgain() {
    ssm.close();
    ec2.close();
    lab.recreate();
  }

  private static LabCtl.Run ctl(String... args) {
    return LabCtl.run(env, args);
  }

  private static Instance instance(String node) {
    return ec2.describeInstances(r -> r.instanceIds(lab.status().node(node).instanceId())).reservations().get(0)
        .instances().get(0);
  }

  /** Everything adoption may change, per node: files, settings, primary_conninfo, tags. */
  private static Map<String, String> snapshot() throws Exception {
    Map<String, String> seen = new TreeMap<>();
    for (String n : NODES) {
      seen.put(n + " hosts", Files.readString(Path.of("/etc/netns", n, "hosts")));
      seen.put(n + " start.conf", Files.readString(Path.of("/etc/postgresql/15", n, "start.conf")));
      seen.put(n + " auto.conf", Files.readString(Path.of("/var/lib/postgresql/15", n, "postgresql.auto.conf")));
      seen.put(n + " settings", sql(n, "SELECT string_agg(name || '=' || setting, ',' ORDER BY name) FROM pg_settings"));
      seen.put(n + " tags", instance(n).tags().stream().map(t -> t.key() + "=" + t.value()).sorted().toList().toString());
      seen.put(n + " metadata tags", instance(n).metadataOptions().instanceMetadataTagsAsString());
      seen.put(n + " pgpilot's CA", Boolean.toString(Files.exists(Path.of("/etc/netns", n, "pgpilot/tls/ca.crt"))));
    }
    seen.put("roles", sql("pg1", "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles"));
    return seen;
  }

  private static String sql(String node, String query) throws Exception {
    try (Connection c = lab.connectNode(node); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
      rs.next();
      return rs.getString(1);
    }
  }

  @Test
  @Order(1)
  void theDryRunPrintsThePlanAndChangesNothing() throws Exception {
    Map<String, String> before = snapshot();

    LabCtl.Run run = ctl("--cluster", "lab", "adopt", "--nodes", "pg1,pg2,pg3", "--json");

    assertEquals(0, run.status(), run.err() + run.out());
    JsonNode plan = run.json();
    assertEquals(List.of("pg1:null", "pg2:pg1", "pg3:pg2"), names(plan.path("nodes"), "upstream"));
    assertEquals("true", plan.path("nodes").get(1).path("sync").asText(), "pg2 is the one '*' made synchronous");
    assertTrue(plan.path("changes").toString().contains("moved out of primary_conninfo"), plan.toString());
    assertTrue(plan.path("changes").toString().contains("\"what\":\"wal_log_hints = on (was \\\"off\\\")\",\"why\""),
        plan.toString());
    LabCtl.Run text = ctl("--cluster", "lab", "adopt", "--nodes", "pg1,pg2,pg3");
    assertTrue(text.out().contains("dry run: nothing changed") && text.out().contains("[restart] wal_log_hints"),
        text.out());
    assertEquals(before, snapshot(), "a dry run changes nothing");
  }

  private static List<String> names(JsonNode nodes, String field) {
    List<String> names = new ArrayList<>();
    nodes.forEach(n -> names.add(n.path("name").asText() + ":" + n.path(field).asText(null)));
    return names;
  }

  @Test
  @Order(2)
  void badTargetsAreRefusedWithTheReasonAndChangeNothing() throws Exception {
    Map<String, String> before = snapshot();
    String pg3 = lab.status().node("pg3").instanceId();

    assertRefused(ctl("--cluster", "lab", "adopt", "--nodes", "pg1,pg9"), "no running instance has the id or Name tag pg9");
    assertRefused(ctl("--cluster", "lab", "adopt", "--nodes", "pg1,pg3;reboot"), "each node is an instance id or a Name tag");
    assertRefused(ctl("--cluster", "lab", "adopt", "--nodes", "pg1,pg2,pg3", "--apply", "--for", "1h"),
        "--for does not apply to adopt");
    // Not PostgreSQL: the client host.
    assertRefused(ctl("--cluster", "lab", "adopt", "--nodes", "pg1,lab-app1"),
        "no PostgreSQL cluster runs and listens on a TCP port of this host");
    // Of another cluster, and with a hostile name: as EC2 tags say, restored after.
    withTag(pg3, "pgpilot:cluster", "prod", () -> assertRefused(
        ctl("--cluster", "lab", "adopt", "--nodes", "pg1,pg2," + pg3), "is tagged pgpilot:cluster=\"prod\""));
    withTag(pg3, "Name", "pg3;reboot", () -> assertRefused(
        ctl("--cluster", "lab", "adopt", "--nodes", "pg1,pg2," + pg3, "--apply"), "is named \"pg3;reboot\""));
    withTag(pg3, "pgpilot:pgcluster", "pg3 && reboot", () -> assertRefused(
        ctl("--cluster", "lab", "adopt", "--nodes", "pg1,pg2,pg3", "--apply"),
        "its pgpilot:pgcluster tag \"pg3 && reboot\" is no Debian cluster name"));
    // Not reachable through Run Command: an instance launched by hand that no lab host is, as one
    // without an SSM agent.
    String subnet = instance("pg1").subnetId();
    String pg4 = ec2.runInstances(r -> r.imageId("ami-12c6146b").instanceType("t4g.micro").minCount(1).maxCount(1)
        .subnetId(subnet).privateIpAddress("10.87.0.14").tagSpecifications(t -> t.resourceType(ResourceType.INSTANCE)
            .tags(Tag.builder().key("Name").value("pg4").build()))).instances().get(0).instanceId();
    try {
      assertRefused(ctl("--cluster", "lab", "adopt", "--nodes", "pg1,pg2,pg3,pg4"),
          "pg4 (" + pg4 + ") did not answer: not reachable through Run Command");
    } finally {
      ec2.terminateInstances(r -> r.instanceIds(pg4));
    }
    // A broken chain: pg3 left out, so pg2 is fine but a node whose upstream is missing is not.
    assertRefused(ctl("--cluster", "lab", "adopt", "--nodes", "pg1,pg3", "--apply"),
        "broken chain: pg3 streams from \"10.87.0.12\", which is none of the nodes adopted");

    assertEquals(before, snapshot(), "a refused adoption changes nothing");
  }

  private interface Check {
    void run() throws Exception;
  }

  private static void withTag(String instanceId, String key, String value, Check check) throws Exception {
    String was = ec2.describeInstances(r -> r.instanceIds(instanceId)).reservations().get(0).instances().get(0).tags()
        .stream().filter(t -> t.key().equals(key)).map(Tag::value).findFirst().orElse(null);
    ec2.createTags(r -> r.resources(instanceId).tags(Tag.builder().key(key).value(value).build()));
    try {
      check.run();
    } finally {
      if (was == null) {
        ec2.deleteTags(r -> r.resources(instanceId).tags(Tag.builder().key(key).build()));
      } else {
        ec2.createTags(r -> r.resources(instanceId).tags(Tag.builder().key(key).value(was).build()));
      }
    }
  }

  private static void assertRefused(LabCtl.Run run, String expected) {
    assertEquals(2, run.status(), run.out() + run.err());
    assertTrue((run.out() + run.err()).contains(expected), "says '" + expected + "': " + run.out() + run.err());
  }

  @Test
  @Order(3)
  void applyMakesItAPgpilotClusterWithoutARestart() throws Exception {
    Map<String, String> started = new TreeMap<>();
    for (String n : NODES) {
      started.put(n, sql(n, "SELECT pg_postmaster_start_time()::text"));
    }

    LabCtl.Run run = ctl("--cluster", "lab", "adopt", "--nodes", "pg1,pg2,pg3", "--apply");

    assertEquals(0, run.status(), run.err() + run.out());
    assertTrue(run.out().contains("cluster lab adopted") && run.out().contains("pg1 waits for a restart for wal_log_hints"),
        run.out());
    for (String n : NODES) {
      assertEquals(started.get(n), sql(n, "SELECT pg_postmaster_start_time()::text"), n + " was not restarted");
      Map<String, String> tags = new TreeMap<>();
      instance(n).tags().forEach(t -> tags.put(t.key(), t.value()));
      assertEquals("lab", tags.get("pgpilot:cluster"));
      assertEquals(n, tags.get("pgpilot:name"));
      assertEquals("pg1".equals(n) ? "primary" : "standby", tags.get("pgpilot:role"));
      assertEquals("enabled", instance(n).metadataOptions().instanceMetadataTagsAsString());
      assertTrue(Files.readString(Path.of("/etc/netns", n, "hosts")).contains("10.87.0.11\tpg1 pg-primary"));
      assertTrue(Files.readString(Path.of("/etc/postgresql/15", n, "start.conf")).strip().endsWith("manual"));
      assertEquals("on", sql(n, "SELECT setting FROM pg_settings WHERE name = 'hot_standby_feedback'"));
      assertTrue(Files.size(Path.of("/etc/netns", n, "pgpilot/tls/ca.crt")) > 0, n + ": the CA rebuilds verify with");
      assertEquals("t", sql(n, "SELECT pending_restart::text::char FROM pg_settings WHERE name = 'wal_log_hints'"));
    }
    assertEquals("FIRST 1 (pg2)", sql("pg1", "SHOW synchronous_standby_names"));
    assertEquals("pg2:sync", sql("pg1", "SELECT application_name || ':' || sync_state FROM pg_stat_replication"));
    for (String standby : List.of("pg2", "pg3")) {
      String conninfo = sql(standby, "SHOW primary_conninfo");
      assertFalse(conninfo.contains("password="), standby + ": the password left primary_conninfo");
      assertTrue(conninfo.contains("application_name=" + standby), conninfo);
    }
    assertEquals("t", sql("pg1", "SELECT pg_has_role('pgpilot', 'pg_monitor', 'MEMBER')::text::char"));
    assertTrue(lab.inFirstShape(), "the chain streams as before");

    LabCtl.Run again = ctl("--cluster", "lab", "adopt", "--json");
    assertEquals(0, again.status(), again.err());
    List<String> left = new ArrayList<>();
    again.json().path("changes").forEach(c -> left.add(c.path("what").asText()));
    assertEquals(2, left.size(), "an adopted cluster (its nodes found by their tags) needs only its logins ensured: "
        + left);
  }

  @Test
  @Order(4)
  void theAdoptedClusterFailsOverWithoutLosingACommit() throws Exception {
    LabAutomation.writeRows(lab, "adopted", 1, 500);
    EventRouter router = EventRouter.from(ClusterConfig.from(env), System.out);

    lab.must("fault", "crash", "pg1");
    Outcome outcome = LabAutomation.monitorUntilItDecides(router, "adopt-it");

    assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome.reason());
    assertEquals("pg2", outcome.primary());
    Lab.await(Duration.ofSeconds(30), "pg2 answers as primary", () -> "primary".equals(lab.status().node("pg2").role()));
    assertEquals(500, LabAutomation.countRows(lab, "pg2", "adopted"), "every acknowledged commit is on the new primary");
    Lab.await(Duration.ofSeconds(60), "pg3 streams from pg2", () -> "streaming".equals(lab.status().node("pg3").state())
        && "pg2".equals(lab.status().node("pg3").upstream()));
  }

  @Test
  @Order(5)
  void twoPrimariesAreRefused() throws Exception {
    // A standby promoted by hand beside the primary pgpilot chose: pgpilot will not pick one.
    assertEquals("t", sql("pg3", "SELECT pg_promote()::text::char"));
    Lab.await(Duration.ofSeconds(30), "pg3 answers as primary", () -> "primary".equals(lab.status().node("pg3").role()));

    assertRefused(ctl("--cluster", "lab", "adopt", "--nodes", "pg2,pg3"), "two primaries: pg2 and pg3 both accept writes");
  }
}

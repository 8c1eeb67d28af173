package io.pgpilot.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.retry.RetryPolicy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.Tag;

/** The lab is real: replication, routing and the emulated EC2 inventory, seen as a user sees them. */
@ExtendWith(LabExtension.class)
class LabIT {

  private static Lab lab;

  @BeforeAll
  static void lab(Lab theLab) throws Exception {
    lab = theLab;
    try (Connection c = lab.connectPgpool(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS lab_probe (id text PRIMARY KEY, at timestamptz DEFAULT now())");
    }
  }

  @Test
  void aRowWrittenThroughPgpoolIsReadBackFromTheDownstreamStandby() throws Exception {
    String id = UUID.randomUUID().toString();
    try (Connection c = lab.connectPgpool();
        PreparedStatement insert = c.prepareStatement("INSERT INTO lab_probe (id) VALUES (?)")) {
      insert.setString(1, id);
      assertEquals(1, insert.executeUpdate());
    }
    try (Connection pg3 = lab.connectNode("pg3");
        PreparedStatement select = pg3.prepareStatement("SELECT count(*) FROM lab_probe WHERE id = ?")) {
      select.setString(1, id);
      Lab.await(Duration.ofSeconds(10), "the row reaches pg3 through pg2", () -> {
        try (ResultSet rs = select.executeQuery()) {
          return rs.next() && rs.getInt(1) == 1;
        }
      });
    }
  }

  @Test
  void pg2IsTheSynchronousStandbyOfPg1AndPg3StreamsFromPg2() throws Exception {
    assertEquals(Map.of("pg2", "streaming/sync"), replicationSeenBy("pg1"));
    assertEquals(Map.of("pg3", "streaming/async"), replicationSeenBy("pg2"));
    assertEquals(Map.of(), replicationSeenBy("pg3"));

    Lab.Status status = lab.status();
    assertEquals("primary", status.node("pg1").role());
    assertEquals("sync", status.node("pg2").syncState());
    assertEquals("pg1", status.node("pg2").upstream());
    assertEquals("pg2", status.node("pg3").upstream());
    assertEquals("streaming", status.node("pg3").state());
  }

  @Test
  void replicationUsesTlsVerifiedAgainstTheLabCa() throws Exception {
    try (Connection pg1 = lab.connectNode("pg1"); Statement s = pg1.createStatement();
        ResultSet rs = s.executeQuery("SELECT r.application_name, l.ssl FROM pg_stat_replication r"
            + " JOIN pg_stat_ssl l ON l.pid = r.pid")) {
      assertTrue(rs.next(), "pg2 replicates from pg1");
      assertEquals("pg2", rs.getString(1));
      assertTrue(rs.getBoolean(2), "the replication connection is encrypted");
    }
  }

  @Test
  void pgpoolSendsWritesToThePrimaryAndReadsToAStandby() throws Exception {
    Map<String, Long> before = selectCounts();
    String id = UUID.randomUUID().toString();
    try (Connection c = lab.connectPgpool()) {
      try (PreparedStatement insert = c.prepareStatement("INSERT INTO lab_probe (id) VALUES (?)")) {
        insert.setString(1, id);
        insert.executeUpdate();  // a standby would refuse it: it went to the primary
      }
    }
    try (Connection pg1 = lab.connectNode("pg1");
        PreparedStatement select = pg1.prepareStatement("SELECT count(*) FROM lab_probe WHERE id = ?")) {
      select.setString(1, id);
      try (ResultSet rs = select.executeQuery()) {
        rs.next();
        assertEquals(1, rs.getInt(1), "the INSERT reached the primary");
      }
    }
    try (Connection c = lab.connectPgpool(); Statement s = c.createStatement()) {
      s.executeQuery("SELECT count(*) FROM lab_probe").close();
    }
    Map<String, Long> after = selectCounts();
    assertEquals(before.get("pg1"), after.get("pg1"), "no read went to the primary");
    assertTrue(after.get("pg2") + after.get("pg3") > before.get("pg2") + before.get("pg3"),
        "the read went to a standby: " + before + " -> " + after);
  }

  @Test
  void theEmulatorHoldsOneTaggedInstancePerLabHostAtItsLabAddress() {
    Lab.Status status = lab.status();
    try (Ec2Client ec2 = Ec2Client.builder()
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        .overrideConfiguration(o -> o.retryPolicy(RetryPolicy.none()))
        .build()) {
      List<Instance> instances = ec2.describeInstancesPaginator(r -> r.filters(
              Filter.builder().name("tag:pgpilot:cluster").values("lab").build()))
          .reservations().stream().flatMap(r -> r.instances().stream()).toList();
      Map<String, Instance> byName = instances.stream()
          .collect(Collectors.toMap(i -> tag(i, "pgpilot:name"), i -> i));
      assertEquals(List.of("app1", "pg1", "pg2", "pg3", "pgpool1"),
          byName.keySet().stream().sorted().toList());
      Map<String, String> roles = Map.of("pg1", "primary", "pg2", "standby", "pg3", "standby",
          "pgpool1", "pgpool", "app1", "app");
      roles.forEach((name, role) -> assertEquals(role, tag(byName.get(name), "pgpilot:role"), name));
      for (Lab.Node node : status.nodes()) {
        Instance instance = byName.get(node.name());
        assertEquals(node.address(), instance.privateIpAddress(), node.name());
        assertEquals(node.instanceId(), instance.instanceId(), node.name());
      }
      assertEquals(status.pgpool().address(), byName.get("pgpool1").privateIpAddress());
    }
  }

  @Test
  void aFaultOnAnUnknownHostFailsClearlyAndChangesNothing() {
    Lab.Status before = lab.status();
    Lab.Result result = lab.run("fault", "crash", "nosuchhost");
    assertNotEquals(0, result.exitCode());
    assertTrue(result.stderr().contains("unknown lab host 'nosuchhost'"), result.stderr());
    assertEquals(roles(before), roles(lab.status()));
    assertFalse(lab.status().nodes().stream().anyMatch(n -> n.state().equals("down")));
  }

  private static Map<String, String> roles(Lab.Status status) {
    return status.nodes().stream().collect(Collectors.toMap(Lab.Node::name, n -> n.role() + "/" + n.state()));
  }

  private static Map<String, String> replicationSeenBy(String node) throws Exception {
    Map<String, String> seen = new HashMap<>();
    try (Connection c = lab.connectNode(node); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT application_name, state, sync_state FROM pg_stat_replication")) {
      while (rs.next()) {
        seen.put(rs.getString(1), rs.getString(2) + "/" + rs.getString(3));
      }
    }
    return seen;
  }

  /** pgpool's own per-backend SELECT counters (SHOW pool_nodes). */
  private static Map<String, Long> selectCounts() throws Exception {
    Map<String, Long> counts = new HashMap<>();
    // pgpool answers its own SHOW commands only over the simple query protocol.
    try (Connection c = lab.connect(lab.status().pgpool().dsn(), Map.of("preferQueryMode", "simple"));
        Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW pool_nodes")) {
      while (rs.next()) {
        counts.put(rs.getString("hostname"), Long.parseLong(rs.getString("select_cnt")));
      }
    }
    return counts;
  }

  private static String tag(Instance instance, String key) {
    return instance.tags().stream().filter(t -> t.key().equals(key)).map(Tag::value).findFirst().orElse(null);
  }
}

package io.pgpilot.ssm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpilot.failover.LabAutomation;
import io.pgpilot.lab.Lab;
import io.pgpilot.lab.LabExtension;
import io.pgpilot.lab.ssm.LabSsmAgent;
import io.pgpilot.lab.ssm.SsmDocument;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The SSM documents, run as the agent runs them, on the real lab hosts. The methods are one
 * story in order: read-only and reversible documents first, then the failover itself.
 */
@ExtendWith(LabExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SsmDocumentsIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path APP1_HOSTS = Path.of("/etc/netns/app1/hosts");
  private static Lab lab;
  private static LabSsmAgent agent;

  @BeforeAll
  static void setUp(Lab theLab) {
    lab = theLab;
    agent = new LabSsmAgent(SsmDocumentTest.repositoryRoot().resolve("ssm-documents"), LabAutomation.NAMES);
  }

  @AfterAll
  static void wholeAgain() {
    lab.recreate();
  }

  private static LabSsmAgent.Invocation ok(String host, String document, Map<String, String> parameters) {
    LabSsmAgent.Invocation run = agent.run(host, document, parameters);
    assertEquals(LabSsmAgent.Status.Success, run.status(), run.stdout() + run.stderr());
    return run;
  }

  private static JsonNode result(LabSsmAgent.Invocation run) throws Exception {
    return JSON.readTree(run.lastLine());
  }

  private static Map<String, String> on(String node) {
    return Map.of("cluster", node);
  }

  @Test
  @Order(1)
  void updateHostsRewritesOnlyItsBlockAndIsANoOpTheSecondTime() throws Exception {
    String before = Files.readString(APP1_HOSTS);
    Map<String, String> entries = Map.of("entries",
        "10.87.0.11 pg1,10.87.0.12 pg2 pg-primary,10.87.0.13 pg3,10.87.0.21 pgpool1,10.87.0.31 app1");

    JsonNode first = result(ok("app1", "pgpilot-UpdateHosts", entries));
    assertTrue(first.get("changed").asBoolean());
    String after = Files.readString(APP1_HOSTS);
    assertTrue(after.contains("10.87.0.12\tpg2 pg-primary\n"), after);
    assertTrue(after.contains("10.87.0.11\tpg1\n"), after);
    assertEquals(before.lines().filter(l -> l.contains("localhost")).toList(),
        after.lines().filter(l -> l.contains("localhost")).toList(), "other lines are kept");
    // The host's own resolver sees it: pg-primary now names pg2 inside app1.
    Process getent = new ProcessBuilder("ip", "netns", "exec", "app1", "getent", "hosts", "pg-primary").start();
    assertTrue(new String(getent.getInputStream().readAllBytes()).startsWith("10.87.0.12"));

    assertTrue(!result(ok("app1", "pgpilot-UpdateHosts", entries)).get("changed").asBoolean());
    assertEquals(after, Files.readString(APP1_HOSTS));
  }

  @Test
  @Order(2)
  void updateHostsRefusesInvalidEntriesAndLeavesTheFileUntouched() throws Exception {
    String before = Files.readString(APP1_HOSTS);
    for (String entries : new String[] {"10.87.0.300 pg1", "10.87.0.11 -pg1", "10.87.0.11", "1:2:3:4:5:6:7:8:9 pg1",
        "10.87.0.11 pg1..x"}) {
      LabSsmAgent.Invocation run = agent.run("app1", "pgpilot-UpdateHosts", Map.of("entries", entries));
      assertEquals(LabSsmAgent.Status.Failed, run.status(), entries);
      assertTrue(run.stderr().contains("UpdateHosts:"), run.stderr());
    }
    assertThrows(SsmDocument.InvalidParameters.class,
        () -> agent.run("app1", "pgpilot-UpdateHosts", Map.of("entries", "10.87.0.11 pg1; rm -rf /")));
    assertThrows(SsmDocument.InvalidParameters.class,
        () -> agent.run("app1", "pgpilot-UpdateHosts", Map.of("entries", "10.87.0.11 pg1", "hostsFile", "/etc/$(id)")));
    assertEquals(before, Files.readString(APP1_HOSTS));
  }

  @Test
  @Order(3)
  void replicationStatusReportsTheSeedsCascade() throws Exception {
    JsonNode pg1 = result(ok("pg1", "pgpilot-ReplicationStatus", on("pg1")));
    assertEquals("primary", pg1.get("role").asText());
    assertEquals("pg2", pg1.get("downstreams").get(0).get("name").asText());
    assertEquals("sync", pg1.get("downstreams").get(0).get("syncState").asText());

    JsonNode pg3 = result(ok("pg3", "pgpilot-ReplicationStatus", on("pg3")));
    assertEquals("standby", pg3.get("role").asText());
    assertEquals("pg2", pg3.get("upstream").asText());
    assertEquals("streaming", pg3.get("walReceiver").asText());
  }

  @Test
  @Order(4)
  void repointMovesTheDownstreamStandbyAndBack() throws Exception {
    JsonNode toPg1 = result(ok("pg3", "pgpilot-RepointStandby", Map.of("cluster", "pg3", "upstreamHost", "pg1")));
    assertTrue(toPg1.get("changed").asBoolean());
    assertEquals("pg1", lab.status().node("pg3").upstream());
    assertEquals("sync", lab.status().node("pg2").syncState(), "pg2 is still pg1's synchronous standby");

    JsonNode back = result(ok("pg3", "pgpilot-RepointStandby", Map.of("cluster", "pg3", "upstreamHost", "pg2")));
    assertTrue(back.get("changed").asBoolean());
    JsonNode again = result(ok("pg3", "pgpilot-RepointStandby", Map.of("cluster", "pg3", "upstreamHost", "pg2")));
    assertTrue(!again.get("changed").asBoolean(), "the same upstream again changes nothing");
    assertEquals("pg2", lab.status().node("pg3").upstream());
  }

  @Test
  @Order(5)
  void repointRefusesAPrimary() {
    LabSsmAgent.Invocation run = agent.run("pg1", "pgpilot-RepointStandby", Map.of("cluster", "pg1", "upstreamHost", "pg2"));
    assertEquals(LabSsmAgent.Status.Failed, run.status());
    assertTrue(run.stderr().contains("is a primary"), run.stderr());
  }

  @Test
  @Order(6)
  void configurePrimaryIsIdempotentAndKeepsTheSyncStandby() throws Exception {
    Map<String, String> parameters = Map.of("cluster", "pg1", "replicationCidr", "10.87.0.0/24", "syncStandbys", "pg2");
    ok("pg1", "pgpilot-ConfigurePrimary", parameters);
    JsonNode again = result(ok("pg1", "pgpilot-ConfigurePrimary", parameters));
    assertTrue(!again.get("changed").asBoolean(), "a second run changes nothing: " + again);
    Lab.await(Duration.ofSeconds(20), "pg2 streams again as pg1's synchronous standby",
        () -> "sync".equals(lab.status().node("pg2").syncState()));
    insert("after-configure");
  }

  @Test
  @Order(7)
  void configurePrimaryWithSyncStandbysOnlyChangesTheNamesAndNothingElse() throws Exception {
    Map<String, String> only = Map.of("cluster", "pg1", "replicationCidr", "10.99.0.0/24", "syncStandbys",
        "pg2,pg3", "syncStandbysOnly", "true");
    JsonNode both = result(ok("pg1", "pgpilot-ConfigurePrimary", only));
    assertEquals("[\"synchronous_standby_names\"]", both.get("changes").toString(),
        "only the names, not the pg_hba block of another CIDR: " + both);
    assertFalse(both.get("restarted").asBoolean());
    try (Connection pg1 = lab.connectNode("pg1"); Statement s = pg1.createStatement();
        ResultSet names = s.executeQuery("SHOW synchronous_standby_names")) {
      names.next();
      assertEquals("FIRST 1 (pg2,pg3)", names.getString(1), "a new session sees the reloaded names");
    }

    JsonNode back = result(ok("pg1", "pgpilot-ConfigurePrimary", Map.of("cluster", "pg1", "replicationCidr",
        "10.87.0.0/24", "syncStandbys", "pg2", "syncStandbysOnly", "true")));
    assertEquals("[\"synchronous_standby_names\"]", back.get("changes").toString(), back.toString());
    JsonNode full = result(ok("pg1", "pgpilot-ConfigurePrimary", Map.of("cluster", "pg1", "replicationCidr",
        "10.87.0.0/24", "syncStandbys", "pg2")));
    assertFalse(full.get("changed").asBoolean(), "the rest was as the full document wants it: " + full);
    insert("after-sync-only");
  }

  @Test
  @Order(9)
  void configureStandbyOfAStandbyAlreadyStreamingChangesNothing() throws Exception {
    JsonNode run = result(ok("pg3", "pgpilot-ConfigureStandby",
        Map.of("cluster", "pg3", "upstreamHost", "pg2", "applicationName", "pg3")));
    assertEquals("none", run.get("method").asText(), run.toString());
    assertEquals("pg2", lab.status().node("pg3").upstream());
  }

  @Test
  @Order(8)
  void pgpoolBackendsSetsWeightsAndPgpoolShowsThem() throws Exception {
    Map<String, String> backends = Map.of("pcpHost", "pgpool1",
        "backends", "pg1:5432:0:ALLOW_TO_FAILOVER,pg2:5432:1:ALLOW_TO_FAILOVER,pg3:5432:2:ALLOW_TO_FAILOVER");
    result(ok("pgpool1", "pgpilot-PgpoolBackends", backends));
    Map<String, String[]> nodes = poolNodes();
    assertEquals("0.000000", nodes.get("pg1")[0]);
    assertEquals("0.333333", nodes.get("pg2")[0]);
    assertEquals("0.666667", nodes.get("pg3")[0]);
    assertTrue(!result(ok("pgpool1", "pgpilot-PgpoolBackends", backends)).get("changed").asBoolean());
  }

  @Test
  @Order(10)
  void fencedOldPrimaryRefusesConnectionsAndDoesNotComeBack() throws Exception {
    insert("before-fence");
    JsonNode fenced = result(ok("pg1", "pgpilot-FenceNode", on("pg1")));
    assertTrue(fenced.get("fenced").asBoolean());
    assertThrows(SQLException.class, () -> lab.connectNode("pg1").close());

    // An operator (or a reboot) trying to start it is refused.
    Process start = new ProcessBuilder("ip", "netns", "exec", "pg1", "env", "_SYSTEMCTL_SKIP_REDIRECT=1",
        "pg_ctlcluster", "15", "pg1", "start").start();
    start.waitFor();
    assertTrue(start.exitValue() != 0);
    assertThrows(SQLException.class, () -> lab.connectNode("pg1").close());
    // Fencing twice is fine.
    assertTrue(result(ok("pg1", "pgpilot-FenceNode", on("pg1"))).get("fenced").asBoolean());
  }

  @Test
  @Order(11)
  void promotedStandbyAcceptsWritesOnTheNextTimelineWithNoCommitLost() throws Exception {
    JsonNode promoted = result(ok("pg2", "pgpilot-PromoteStandby", on("pg2")));
    assertTrue(promoted.get("promoted").asBoolean());
    assertEquals(2, promoted.get("timeline").asInt());
    try (Connection pg2 = lab.connectNode("pg2"); Statement s = pg2.createStatement()) {
      s.execute("INSERT INTO ssm_probe VALUES ('after-promote')");
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM ssm_probe WHERE id = 'before-fence'")) {
        rs.next();
        assertEquals(1, rs.getInt(1), "the commit acknowledged by pg1 is on pg2");
      }
    }
    JsonNode again = result(ok("pg2", "pgpilot-PromoteStandby", on("pg2")));
    assertTrue(!again.get("promoted").asBoolean(), "promoting a primary changes nothing");
    assertEquals(2, again.get("timeline").asInt());
  }

  @Test
  @Order(12)
  void downstreamStandbyStreamsFromTheNewPrimaryOnTheNewTimeline() throws Exception {
    Lab.await(Duration.ofSeconds(20), "pg3 follows pg2 onto timeline 2", () -> {
      Lab.Node pg3 = lab.status().node("pg3");
      return "streaming".equals(pg3.state()) && Integer.valueOf(2).equals(pg3.timeline());
    });
    JsonNode status = result(ok("pg3", "pgpilot-RepointStandby", Map.of("cluster", "pg3", "upstreamHost", "pg2")));
    assertEquals(2, status.get("timeline").asInt());
    try (Connection pg3 = lab.connectNode("pg3"); Statement s = pg3.createStatement()) {
      Lab.await(Duration.ofSeconds(10), "the row written on pg2 reaches pg3", () -> {
        try (ResultSet rs = s.executeQuery("SELECT count(*) FROM ssm_probe WHERE id = 'after-promote'")) {
          return rs.next() && rs.getInt(1) == 1;
        }
      });
    }
  }

  @Test
  @Order(13)
  void pgpoolRoutesWritesToTheNewPrimary() throws Exception {
    String backends = "pg1:5432:0:ALLOW_TO_FAILOVER,pg2:5432:0:ALLOW_TO_FAILOVER,pg3:5432:1:ALLOW_TO_FAILOVER";
    // A node that does not answer as a primary is never made pgpool's primary.
    LabSsmAgent.Invocation refused = agent.run("pgpool1", "pgpilot-PgpoolBackends",
        Map.of("pcpHost", "pgpool1", "backends", backends, "tellPrimary", "pg3"));
    assertEquals(LabSsmAgent.Status.Failed, refused.status(), refused.stdout());
    assertTrue(refused.stderr().contains("does not answer pgpool as a primary"), refused.stderr());
    assertTrue(!"primary".equals(poolNodes().get("pg3")[1]));

    // The failover's hot path looks at the new primary alone, with pg1 down.
    JsonNode told = result(ok("pgpool1", "pgpilot-PgpoolBackends",
        Map.of("pcpHost", "pgpool1", "backends", backends, "tellPrimary", "pg2")));
    assertEquals("primary", told.get("nodes").get(0).get("role").asText(), told.toString());
    assertTrue(!told.get("changed").asBoolean(), "tellPrimary leaves pgpool.conf alone");
    // pcp_promote_node marks every other node down; the tell attaches the standby again (asynchronously).
    Lab.await(Duration.ofSeconds(10), "pgpool has pg3 attached again after the tell: " + told,
        () -> !"down".equals(poolNodes().get("pg3")[2]));
    try (Connection c = lab.connectPgpool(); Statement s = c.createStatement()) {
      s.execute("INSERT INTO ssm_probe VALUES ('through-pgpool-after-failover')");
    }

    result(ok("pgpool1", "pgpilot-PgpoolBackends", Map.of("pcpHost", "pgpool1", "backends", backends)));
    Lab.await(Duration.ofSeconds(30), "pgpool sees pg2 as primary and pg1 down", () -> {
      Map<String, String[]> nodes = poolNodes();
      return "primary".equals(nodes.get("pg2")[1]) && "down".equals(nodes.get("pg1")[2]);
    });
  }

  @Test
  @Order(14)
  void oldPrimaryRejoinsAsAStandbyOfTheNewOneThroughRewind() throws Exception {
    assertTrue(!result(ok("pg1", "pgpilot-FenceNode", Map.of("cluster", "pg1", "action", "unfence")))
        .get("fenced").asBoolean());
    JsonNode rebuilt = result(ok("pg1", "pgpilot-RebuildStandby",
        Map.of("cluster", "pg1", "upstreamHost", "pg2", "applicationName", "pg1", "rewind", "true")));
    assertEquals("rewind", rebuilt.get("method").asText(), rebuilt.toString());
    // It streams the old timeline up to the fork first, then follows pg2 onto timeline 2.
    Lab.await(Duration.ofSeconds(20), "pg1 streams from pg2 on timeline 2", () -> {
      Lab.Node pg1 = lab.status().node("pg1");
      return "standby".equals(pg1.role()) && "pg2".equals(pg1.upstream()) && "streaming".equals(pg1.state())
          && Integer.valueOf(2).equals(pg1.timeline());
    });
    try (Connection pg1 = lab.connectNode("pg1"); Statement s = pg1.createStatement()) {
      Lab.await(Duration.ofSeconds(10), "the rows written after the failover reach pg1", () -> {
        try (ResultSet rs = s.executeQuery("SELECT count(*) FROM ssm_probe WHERE id = 'through-pgpool-after-failover'")) {
          return rs.next() && rs.getInt(1) == 1;
        }
      });
    }

    JsonNode pool = result(ok("pgpool1", "pgpilot-PgpoolBackends", Map.of("pcpHost", "pgpool1",
        "backends", "pg1:5432:1:ALLOW_TO_FAILOVER,pg2:5432:0:ALLOW_TO_FAILOVER,pg3:5432:1:ALLOW_TO_FAILOVER")));
    Lab.await(Duration.ofSeconds(30), "pgpool has pg1 back as a standby", () -> {
      String[] node = poolNodes().get("pg1");
      return "up".equals(node[2]) && "standby".equals(node[1]);
    });
    assertTrue(pool.toString().contains("attached"), pool.toString());
  }

  /** SHOW pool_nodes by host name: lb_weight, role, status. */
  private static Map<String, String[]> poolNodes() throws SQLException {
    Map<String, String[]> nodes = new java.util.HashMap<>();
    try (Connection c = lab.connect(lab.status().pgpool().dsn(), Map.of("preferQueryMode", "simple"));
        Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW pool_nodes")) {
      while (rs.next()) {
        nodes.put(rs.getString("hostname"),
            new String[] {rs.getString("lb_weight"), rs.getString("role"), rs.getString("status")});
      }
    }
    return nodes;
  }

  private static void insert(String id) throws SQLException {
    try (Connection pg1 = lab.connectNode("pg1"); Statement s = pg1.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS ssm_probe (id text PRIMARY KEY)");
      s.execute("INSERT INTO ssm_probe VALUES ('" + id + "')");
    }
  }
}

package io.pgpilot.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.retry.RetryPolicy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;

/** The lab's fault injection does what it says, and only to the host it names. */
@ExtendWith(LabExtension.class)
class LabFaultIT {

  @AfterAll
  static void wholeAgain(Lab lab) {
    lab.recreate();
  }

  @Test
  void crashKillsOnlyTheNamedHostsPostmaster(Lab lab) {
    String out = lab.must("fault", "crash", "pg3");
    assertTrue(out.contains("SIGKILL"), out);

    Lab.Status status = lab.status();
    assertEquals("down", status.node("pg3").state());
    assertThrows(SQLException.class, () -> lab.connectNode("pg3").close());
    assertEquals("running", status.node("pg1").state());
    assertEquals("streaming", status.node("pg2").state());
    assertEquals("running", ec2State(status.node("pg3").instanceId()),
        "a crash is not an instance stop");
  }

  @Test
  void stopStopsTheHostAndItsEc2Instance(Lab lab) {
    String pgpoolInstance = instanceOf(lab, "pgpool1");
    lab.must("fault", "stop", "pgpool1");

    assertThrows(SQLException.class, () -> lab.connectPgpool().close());
    assertEquals("stopped", ec2State(pgpoolInstance));
    assertEquals("running", lab.status().node("pg1").state(), "the database hosts are untouched");
  }

  @Test
  void partitionCutsOnlyTheNamedPathAndHealRestoresIt(Lab lab) throws Exception {
    try {
      lab.must("fault", "partition", "pg2", "automation");

      // The automation's side (this namespace) cannot reach pg2, yet pg2 still streams from pg1.
      assertThrows(SQLException.class, () -> lab.connectNode("pg2").close());
      try (var c = lab.connectNode("pg1"); var rs = c.createStatement().executeQuery(
          "SELECT state FROM pg_stat_replication WHERE application_name = 'pg2'")) {
        assertTrue(rs.next(), "pg2 is still connected to pg1");
        assertEquals("streaming", rs.getString(1));
      }
      assertTrue(lab.run("fault", "partition", "pg2", "nowhere").stderr().contains("unknown peer 'nowhere'"));
    } finally {
      lab.must("fault", "heal", "pg2");
    }
    lab.connectNode("pg2").close();
  }

  private static String instanceOf(Lab lab, String host) {
    try (Ec2Client ec2 = ec2()) {
      return ec2.describeInstances(r -> r.filters(f -> f.name("tag:pgpilot:name").values(host)))
          .reservations().get(0).instances().get(0).instanceId();
    }
  }

  private static String ec2State(String instanceId) {
    try (Ec2Client ec2 = ec2()) {
      InstanceStateName state = ec2.describeInstances(r -> r.instanceIds(instanceId))
          .reservations().get(0).instances().get(0).state().name();
      return state.toString();
    }
  }

  private static Ec2Client ec2() {
    return Ec2Client.builder()
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        .overrideConfiguration(o -> o.retryPolicy(RetryPolicy.none()))
        .build();
  }
}

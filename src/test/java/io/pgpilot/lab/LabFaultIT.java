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

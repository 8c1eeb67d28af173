package io.pgpilot.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.NodeObservation;
import io.pgpilot.core.Role;
import io.pgpilot.core.Topology;
import io.pgpilot.core.WalReceiverStatus;
import io.pgpilot.core.WalSender;
import io.pgpilot.lab.Lab;
import io.pgpilot.lab.LabExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The probe against the lab's real chain: pg1 primary → pg2 synchronous, cascading → pg3 downstream. */
@ExtendWith(LabExtension.class)
class JdbcProbeIT {

  /** app1's address: a lab host with no PostgreSQL, so connections are refused. */
  private static final String NO_POSTGRES = "10.87.0.31";

  @Test
  void givenTheLabChain_whenEachNodeIsProbed_thenThePrimaryTheSyncStandbyOfItAndTheDownstreamOfTheStandby(Lab lab) {
    Lab.Status status = lab.status();
    Topology topology = topology(status);
    JdbcProbe probe = new JdbcProbe(settings(status.node("pg1").dsn()));

    NodeObservation pg3 = probe.probe(topology, "pg3");
    NodeObservation pg2 = probe.probe(topology, "pg2");
    NodeObservation pg1 = probe.probe(topology, "pg1");

    int timeline = status.node("pg1").timeline();
    assertEquals(NodeObservation.primary("pg1", pg1.receivedLsn(), timeline, List.of("pg2"))
        .withWalSenders(pg1.walSenders()).withSystemIdentifier(pg1.systemIdentifier()), pg1);
    assertTrue(pg1.writable());
    // pg2 is pg1's one WAL sender: streaming, synchronous, with a confirmed position pg1 has written.
    assertEquals(1, pg1.walSenders().size(), pg1::toString);
    WalSender pg2Sender = pg1.walSenders().get(0);
    assertEquals("pg2", pg2Sender.standby());
    assertTrue(pg2Sender.streaming() && pg2Sender.synchronous(), pg2Sender::toString);
    assertFalse(pg2Sender.flushed().isAfter(pg1.position()), pg2Sender::toString);
    // Every node is a copy of one database.
    assertTrue(pg1.systemIdentifier().matches("[0-9]{10,20}"), pg1::systemIdentifier);

    assertTrue(pg2.standby(), pg2::toString);
    assertEquals(WalReceiverStatus.STREAMING, pg2.walReceiver());
    assertEquals("pg1", pg2.upstream());
    assertTrue(pg2.streamsFrom("pg1"));
    assertEquals(timeline, pg2.timeline());
    assertNotNull(pg2.receivedLsn());
    assertFalse(pg2.replayedLsn().isAfter(pg1.replayedLsn()), () -> pg2 + " is ahead of " + pg1);

    assertTrue(pg3.standby(), pg3::toString);
    assertEquals(WalReceiverStatus.STREAMING, pg3.walReceiver());
    assertEquals("pg2", pg3.upstream());
    assertEquals(timeline, pg3.timeline());
    assertFalse(pg3.position().isAfter(pg2.position()), () -> pg3 + " is ahead of " + pg2);
    // Read on standbys too, where it takes effect on promotion: the lab sets it on pg1 only.
    assertEquals(List.of(), pg3.syncStandbys());
    assertEquals(pg1.systemIdentifier(), pg2.systemIdentifier());
    assertEquals(pg1.systemIdentifier(), pg3.systemIdentifier());
    assertEquals(List.of(), pg3.walSenders(), "a standby's WAL senders are not read");
  }

  @Test
  void givenAHostWithNoPostgres_whenProbed_thenUnreachableWithinTheTimeout(Lab lab) {
    Lab.Status status = lab.status();
    Topology topology = new Topology("lab", List.of(
        new Topology.Node("pg1", status.node("pg1").address(), status.node("pg1").instanceId(), Role.PRIMARY, null, false),
        new Topology.Node("ghost", NO_POSTGRES, "i-0123456789abcdef0", Role.STANDBY, "pg1", false)), Map.of());
    JdbcProbe probe = new JdbcProbe(settings(status.node("pg1").dsn()));

    long started = System.nanoTime();
    NodeObservation ghost = probe.probe(topology, "ghost");
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertEquals(NodeObservation.unreachable("ghost"), ghost);
    assertTrue(took.compareTo(Duration.ofSeconds(3)) < 0, took::toString);
  }

  @Test
  void givenAWrongPassword_whenProbed_thenAnErrorNamingTheRefusalNotAnUnreachablePrimary(Lab lab) {
    Lab.Status status = lab.status();
    JdbcProbe.Settings right = settings(status.node("pg1").dsn());
    JdbcProbe probe = new JdbcProbe(new JdbcProbe.Settings(right.port(), right.database(), right.user(),
        () -> "not-the-password", right.sslMode(), right.sslRootCert(), right.timeout()));

    IllegalStateException refused = assertThrows(IllegalStateException.class,
        () -> probe.probe(topology(status), "pg1"));

    assertTrue(refused.getMessage().contains("SQLState 28P01"), refused.getMessage());
    assertFalse(refused.getMessage().contains("not-the-password"), refused.getMessage());
  }

  /** The lab's chain as its tags would describe it. */
  private static Topology topology(Lab.Status status) {
    return new Topology("lab", List.of(
        node(status, "pg1", Role.PRIMARY, null, false),
        node(status, "pg2", Role.STANDBY, "pg1", true),
        node(status, "pg3", Role.STANDBY, "pg2", false)),
        Map.of(status.pgpool().name(), status.pgpool().address()));
  }

  private static Topology.Node node(Lab.Status status, String name, Role role, String upstream, boolean sync) {
    Lab.Node node = status.node(name);
    return new Topology.Node(name, node.address(), node.instanceId(), role, upstream, sync);
  }

  /** The probe's settings from the libpq URI the lab prints: user, port, TLS, and the password file's entry. */
  private static JdbcProbe.Settings settings(String dsn) {
    Lab.Dsn parsed = Lab.Dsn.parse(dsn);
    return new JdbcProbe.Settings(parsed.port(), parsed.database(), parsed.user(), parsed::password,
        parsed.sslmode(), parsed.sslrootcert(), Duration.ofSeconds(2));
  }
}

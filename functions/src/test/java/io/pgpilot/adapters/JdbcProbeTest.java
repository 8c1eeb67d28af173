package io.pgpilot.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.Lsn;
import io.pgpilot.core.NodeObservation;
import io.pgpilot.core.Role;
import io.pgpilot.core.Topology;
import io.pgpilot.core.WalReceiverStatus;
import io.pgpilot.core.WalSender;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JdbcProbeTest {

    static final Topology TOPOLOGY = new Topology("main", List.of(
            new Topology.Node("pg1", "10.0.1.11", "i-0123456789abcdef0", Role.PRIMARY, null, false),
            new Topology.Node("pg2", "10.0.1.12", "i-0123456789abcdef1", Role.STANDBY, "pg1", true),
            new Topology.Node("pg3", "fd00::13", "i-0123456789abcdef2", Role.STANDBY, "pg2", false)),
            Map.of());

    @Test
    void givenTheSenderHostAWalReceiverReports_whenMapped_thenTheNodeItNames() {
        assertEquals("pg1", JdbcProbe.upstream(TOPOLOGY, "pg1"));
        assertEquals("pg1", JdbcProbe.upstream(TOPOLOGY, "PG1"));
        assertEquals("pg2", JdbcProbe.upstream(TOPOLOGY, "10.0.1.12"));
        assertEquals("pg3", JdbcProbe.upstream(TOPOLOGY, "FD00::13"));
        assertEquals("pg2", JdbcProbe.upstream(TOPOLOGY, "pg2.db.internal"));
    }

    @Test
    void givenASenderHostThatIsNoNode_whenMapped_thenNone() {
        assertNull(JdbcProbe.upstream(TOPOLOGY, null));
        assertNull(JdbcProbe.upstream(TOPOLOGY, ""));
        assertNull(JdbcProbe.upstream(TOPOLOGY, "pg-primary"));
        assertNull(JdbcProbe.upstream(TOPOLOGY, "10.0.1.1"));
        assertNull(JdbcProbe.upstream(TOPOLOGY, "10.0.1.112"));
        assertNull(JdbcProbe.upstream(TOPOLOGY, "/var/run/postgresql"));
    }

    @Test
    void givenWalReceiverStatuses_whenMapped_thenTheCoreStatus() {
        assertEquals(WalReceiverStatus.NONE, JdbcProbe.walReceiver(null));
        assertEquals(WalReceiverStatus.STREAMING, JdbcProbe.walReceiver("streaming"));
        assertEquals(WalReceiverStatus.WAITING, JdbcProbe.walReceiver("waiting"));
        assertEquals(WalReceiverStatus.STOPPED, JdbcProbe.walReceiver("stopped"));
        assertEquals(WalReceiverStatus.STOPPED, JdbcProbe.walReceiver("something new"));
    }

    @Test
    void givenThePrimarysWalSenders_whenParsed_thenEachStandbyWithItsStateAndConfirmedPosition() {
        // "pg2" and "a,b c" hex-encoded: a name with the separators in it cannot split the list.
        String list = "706732 streaming sync 0/3001098,612c622063 catchup potential -,706733 streaming quorum 0/3000000";

        assertEquals(List.of(
                new WalSender("pg2", true, true, Lsn.parse("0/3001098")),
                new WalSender("a,b c", false, false, null),
                new WalSender("pg3", true, true, Lsn.parse("0/3000000"))), JdbcProbe.walSenders(list));
        assertEquals(List.of(), JdbcProbe.walSenders(null));
    }

    @Test
    void givenAGarbledWalSenderList_whenParsed_thenRejectedSoTheAnswerIsUnusable() {
        for (String garbled : List.of("706732 streaming sync", "zz streaming sync 0/1", "706732 streaming sync 0/zz")) {
            assertThrows(IllegalArgumentException.class, () -> JdbcProbe.walSenders(garbled), garbled);
        }
    }

    @Test
    void givenSqlStates_whenClassified_thenOnlyARefusalOfTheProbeIsOurs() {
        for (String state : List.of("28P01", "28000", "3D000", "42501", "42883")) {
            assertTrue(JdbcProbe.refusesUs(state), state);
        }
        for (String state : List.of("", "08001", "08006", "57P01", "57P03", "53300", "57014")) {
            assertFalse(JdbcProbe.refusesUs(state), state);
        }
    }

    @Test
    void givenAPortNobodyListensOn_whenProbed_thenUnreachableNotAnException() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Topology local = new Topology("main", List.of(
                new Topology.Node("pg1", "127.0.0.1", "i-0123456789abcdef0", Role.PRIMARY, null, false)), Map.of());
        JdbcProbe probe = new JdbcProbe(new JdbcProbe.Settings(port, "postgres", "pgpilot", () -> "unused",
                "disable", null, Duration.ofSeconds(1)));

        assertEquals(NodeObservation.unreachable("pg1"), probe.probe(local, "pg1"));
    }

    @Test
    void givenBadSettings_whenBuilt_thenRejected() {
        assertThrows(IllegalArgumentException.class, () -> JdbcProbe.Settings.of("u", () -> "p").withTimeout(Duration.ofMillis(500)));
        assertThrows(IllegalArgumentException.class,
                () -> new JdbcProbe.Settings(0, "postgres", "u", () -> "p", "disable", null, Duration.ofSeconds(2)));
        assertThrows(IllegalArgumentException.class, () -> JdbcProbe.Settings.of("u", null));
    }
}

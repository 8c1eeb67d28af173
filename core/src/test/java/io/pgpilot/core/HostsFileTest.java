package io.pgpilot.core;

import static io.pgpilot.core.PlannerInputTest.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HostsFileTest {

    /** What the lab writes into every host's /etc/hosts. */
    private static final String LAB_HOSTS = """
            127.0.0.1	localhost
            ::1	localhost ip6-localhost ip6-loopback
            # BEGIN pgpilot managed hosts
            10.87.0.11	pg1 pg-primary
            10.87.0.12	pg2
            10.87.0.13	pg3
            10.87.0.21	pgpool1
            10.87.0.31	app1
            # END pgpilot managed hosts
            """;

    private static final Topology TOPOLOGY = SimulatedCluster.seedChain().topology();

    @Test
    void givenLabHostsFile_whenParsedAndRendered_thenUnchanged() {
        HostsFile file = HostsFile.parse(LAB_HOSTS);

        assertEquals(LAB_HOSTS, file.render());
        assertEquals("10.87.0.11", file.hosts().get("pg-primary"));
        assertEquals(List.of("127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback"), file.before());
    }

    @Test
    void givenLabHostsFile_whenTheSameMapIsPublished_thenNoOp() {
        HostsFile file = HostsFile.parse(LAB_HOSTS);

        assertTrue(file.publishes(TOPOLOGY.hostsMap("pg1")));
        assertEquals(file, file.withHosts(TOPOLOGY.hostsMap("pg1")));
    }

    @Test
    void givenFailoverToPg2_whenPublished_thenOnlyTheManagedBlockChangesAndPgPrimaryMoves() {
        HostsFile file = HostsFile.parse(LAB_HOSTS);

        HostsFile updated = file.withHosts(TOPOLOGY.hostsMap("pg2"));

        assertFalse(file.publishes(TOPOLOGY.hostsMap("pg2")));
        assertEquals("""
                127.0.0.1	localhost
                ::1	localhost ip6-localhost ip6-loopback
                # BEGIN pgpilot managed hosts
                10.87.0.11	pg1
                10.87.0.12	pg2 pg-primary
                10.87.0.13	pg3
                10.87.0.21	pgpool1
                10.87.0.31	app1
                # END pgpilot managed hosts
                """, updated.render());
    }

    @Test
    void givenLinesAroundTheBlock_whenPublished_thenEveryOtherLineIsKeptAsItWas() {
        String text = "# static entries\r\n10.0.0.5   backup backup.lab\r\n\r\n"
                + HostsFile.BEGIN + "\n10.87.0.11\tpg1\n"
                + HostsFile.END + "\n# trailing comment\n10.0.0.6 monitoring\n";

        Map<String, String> hosts = new LinkedHashMap<>();
        hosts.put("pg2", "10.87.0.12");
        hosts.put("pg-primary", "10.87.0.12");

        HostsFile updated = HostsFile.parse(text).withHosts(hosts);

        assertEquals("# static entries\r\n10.0.0.5   backup backup.lab\r\n\r\n"
                + HostsFile.BEGIN + "\n10.87.0.12\tpg2 pg-primary\n"
                + HostsFile.END + "\n# trailing comment\n10.0.0.6 monitoring\n", updated.render());
    }

    @Test
    void givenFileWithoutBlock_whenPublished_thenTheBlockIsAppendedAndTheRestKept() {
        HostsFile file = HostsFile.parse("127.0.0.1\tlocalhost\n");
        Map<String, String> hosts = new LinkedHashMap<>();
        hosts.put("pg1", "10.87.0.11");
        hosts.put("pg-primary", "10.87.0.11");

        assertEquals("127.0.0.1\tlocalhost\n", file.render());
        assertEquals("127.0.0.1\tlocalhost\n"
                + HostsFile.BEGIN + "\n10.87.0.11\tpg1 pg-primary\n" + HostsFile.END + "\n",
                file.withHosts(hosts).render());
        assertEquals(HostsFile.BEGIN + "\n10.87.0.11\tpg1 pg-primary\n" + HostsFile.END + "\n",
                file.withHosts(hosts).managedBlock());
    }

    @Test
    void givenEmptyFile_whenParsed_thenNothing() {
        HostsFile file = HostsFile.parse("");

        assertEquals("", file.render());
        assertTrue(file.hosts().isEmpty());
    }

    @Test
    void givenIpv6Entries_whenPublished_thenAccepted() {
        HostsFile file = HostsFile.parse("").withHosts(Map.of("pg1", "fd00::11"));

        assertEquals("fd00::11", HostsFile.parse(file.render()).hosts().get("pg1"));
    }

    @Test
    void givenBlockWithSpacesBlankLinesAndOnlyItsMarkers_whenParsed_thenRead() {
        HostsFile file = HostsFile.parse(
                HostsFile.BEGIN + "\n\n  10.87.0.11   pg1    pg-primary  \n" + HostsFile.END + "\n");

        assertEquals(Map.of("pg1", "10.87.0.11", "pg-primary", "10.87.0.11"), file.hosts());
        assertEquals(file, HostsFile.parse(HostsFile.BEGIN + "\n10.87.0.11\tpg1 pg-primary\n" + HostsFile.END + "\n"));
    }

    @Test
    void givenEmptyBlock_whenParsed_thenTreatedAsNoBlockAndTheLinesAroundItKept() {
        HostsFile file = HostsFile.parse("a\n" + HostsFile.BEGIN + "\n" + HostsFile.END + "\nb\n");

        assertEquals(List.of("a", "b"), file.before());
        assertNotEquals(file, file.withHosts(Map.of("pg1", "10.87.0.11")));
    }

    @Test
    void givenBrokenMarkers_whenParsed_thenRejected() {
        assertRejected("has \"# BEGIN pgpilot managed hosts\" without a \"# END pgpilot managed hosts\" below it",
                () -> HostsFile.parse(HostsFile.BEGIN + "\n10.87.0.11\tpg1\n"));
        assertRejected("has \"# END pgpilot managed hosts\" without a \"# BEGIN pgpilot managed hosts\" above it",
                () -> HostsFile.parse(HostsFile.END + "\n" + HostsFile.BEGIN + "\n"));
        assertRejected("twice; expected one managed block",
                () -> HostsFile.parse(LAB_HOSTS + HostsFile.BEGIN + "\n" + HostsFile.END + "\n"));
    }

    @Test
    void givenHostileManagedLines_whenParsed_thenRejected() {
        assertRejected("managed hosts line \"10.87.0.11\" needs an address and a name",
                () -> HostsFile.parse(HostsFile.BEGIN + "\n10.87.0.11\n" + HostsFile.END + "\n"));
        assertRejected("hosts entry address \"#\" is not a literal",
                () -> HostsFile.parse(HostsFile.BEGIN + "\n# comment\n" + HostsFile.END + "\n"));
        assertRejected("host name for 10.87.0.11 \"pg1;reboot\" is not a valid host name",
                () -> HostsFile.parse(HostsFile.BEGIN + "\n10.87.0.11\tpg1;reboot\n" + HostsFile.END + "\n"));
        assertRejected("host name PG1 appears twice in the managed block",
                () -> HostsFile.parse(HostsFile.BEGIN + "\n10.87.0.11\tpg1\n10.87.0.12\tPG1\n" + HostsFile.END + "\n"));
    }

    @Test
    void givenHostileHostsMaps_whenPublished_thenRejectedWithAClearMessage() {
        HostsFile file = HostsFile.parse(LAB_HOSTS);

        assertRejected("host name for 10.87.0.12 \"pg2\\u000a# END pgpilot managed hosts\" is not a valid host name",
                () -> file.withHosts(Map.of("pg2\n" + HostsFile.END, "10.87.0.12")));
        assertRejected("hosts entry address \"10.87.0.12 evil\" is not a literal",
                () -> file.withHosts(Map.of("pg2", "10.87.0.12 evil")));
        assertRejected("refusing to publish an empty hosts map", () -> file.withHosts(Map.of()));
        assertRejected("hosts is missing (null)", () -> file.withHosts(null));
        assertRejected("hosts file text is missing (null)", () -> HostsFile.parse(null));
    }

    @Test
    void givenPublishedHostsMap_whenTurnedIntoEntries_thenOneEntryPerAddressWithTheAliasAfterTheNodeName() {
        List<HostsFile.Entry> entries = HostsFile.entriesOf(TOPOLOGY.hostsMap("pg2"));

        assertEquals(new HostsFile.Entry("10.87.0.12", List.of("pg2", "pg-primary")), entries.get(1));
        assertEquals(5, entries.size());
    }
}

package io.pgpilot.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.Adoption.Candidate;
import io.pgpilot.core.Adoption.Change;
import io.pgpilot.core.Adoption.Downstream;
import io.pgpilot.core.Adoption.Inspection;
import io.pgpilot.core.Adoption.Plan;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The adoption decision on the source documents' chain: pg1 → pg2 (synchronous) → pg3, built by hand. */
class AdoptionTest {

    private static final Map<String, String> PGPOOL = Map.of("pgpool1", "10.0.0.21");
    private static final String SYSTEM = "7441512094758937011";

    /** As a DBA leaves it: Debian defaults, '*' as synchronous_standby_names, passwords in primary_conninfo. */
    private static Inspection handBuilt(String host, boolean recovery, String upstream, String app,
                                        List<Downstream> downstreams) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("ssl", "on");
        settings.put("wal_level", "replica");
        settings.put("data_checksums", "off");
        settings.put("hot_standby", "on");
        settings.put("max_wal_senders", "10");
        settings.put("wal_keep_size", "0");
        settings.put("wal_retrieve_retry_interval", "5s");
        settings.put("hot_standby_feedback", "off");
        settings.put("wal_receiver_timeout", "1min");
        settings.put("wal_sender_timeout", "1min");
        settings.put("wal_log_hints", "off");
        return new Inspection(host, 15, SYSTEM, recovery, upstream, recovery ? "streaming" : null, app, recovery,
                recovery ? "" : "*", downstreams, settings, List.of(), "auto", false, false);
    }

    private static Candidate candidate(String name, String address, Inspection inspection) {
        return new Candidate("i-" + name, address, Map.of("Name", name), false, inspection, null);
    }

    private static List<Candidate> chain() {
        return List.of(
                candidate("pg1", "10.0.0.11", handBuilt("main", false, null, null,
                        List.of(new Downstream("standby_1", "10.0.0.12", "sync")))),
                candidate("pg2", "10.0.0.12", handBuilt("main", true, "10.0.0.11", "standby_1",
                        List.of(new Downstream("standby_2", "10.0.0.13", "async")))),
                candidate("pg3", "10.0.0.13", handBuilt("main", true, "pg2", "standby_2", List.of())));
    }

    private static List<Candidate> with(String name, UnaryOperator<Candidate> change) {
        List<Candidate> candidates = new ArrayList<>(chain());
        candidates.replaceAll(c -> name.equals(c.tags().get("Name")) ? change.apply(c) : c);
        return candidates;
    }

    private static Candidate inspected(Candidate c, UnaryOperator<Inspection> change) {
        return new Candidate(c.instanceId(), c.address(), c.tags(), c.metadataTags(), change.apply(c.inspection()), null);
    }

    private static Inspection withSettings(Inspection i, Map<String, String> changed) {
        Map<String, String> settings = new LinkedHashMap<>(i.settings());
        settings.putAll(changed);
        return new Inspection(i.pgCluster(), i.major(), i.systemId(), i.inRecovery(), i.upstream(), i.walReceiver(),
                i.applicationName(), i.passwordInConninfo(), i.syncStandbyNames(), i.downstreams(), settings,
                i.pendingRestart(), i.startConf(), i.bootGate(), i.hostsBlock());
    }

    private static void assertRefused(List<Candidate> candidates, String expected) {
        Plan plan = Adoption.plan("lab", candidates, PGPOOL);
        assertTrue(plan.refused(), "refused");
        assertTrue(plan.refusals().stream().anyMatch(r -> r.contains(expected)),
                "a refusal says '" + expected + "': " + plan.refusals());
        assertTrue(plan.nodes().isEmpty() && plan.changes().isEmpty(), "a refused plan changes nothing");
    }

    private static List<String> whats(Plan plan, String node) {
        return plan.changes().stream().filter(c -> c.node().equals(node)).map(Change::what).toList();
    }

    @Test
    void theHandBuiltChainBecomesPrimaryCascadeAndDownstreamWithItsSynchronousStandby() {
        Plan plan = Adoption.plan("lab", chain(), PGPOOL);

        assertFalse(plan.refused(), plan.refusals().toString());
        assertEquals(List.of("pg1", "pg2", "pg3"), plan.nodes().stream().map(Adoption.Node::name).toList());
        assertEquals("pg1", plan.primary().name());
        assertEquals("pg1", plan.nodes().get(1).upstream(), "pg2 streams from pg1's address");
        assertEquals("pg2", plan.nodes().get(2).upstream(), "pg3 streams from pg2 by name");
        assertEquals(List.of("pg2"), plan.syncStandbys());
        assertEquals(Map.of("pgpilot:cluster", "lab", "pgpilot:name", "pg2", "pgpilot:role", "standby",
                "pgpilot:pgcluster", "main", "pgpilot:upstream", "pg1", "pgpilot:sync", "true"),
                plan.tags(plan.nodes().get(1)));
        assertEquals(List.of("pg1", "pg2", "pg3", "pgpool1", "pg-primary"), List.copyOf(plan.hosts().keySet()));
        assertEquals("10.0.0.11", plan.hosts().get("pg-primary"));
        assertTrue(plan.warnings().isEmpty(), plan.warnings().toString());
    }

    @Test
    void itSaysWhatChangesWhereAndWhichSettingsWaitForARestart() {
        Plan plan = Adoption.plan("lab", chain(), PGPOOL);

        assertTrue(whats(plan, "pg1").contains("synchronous_standby_names = \"FIRST 1 (pg2)\" (was \"*\")"), whats(plan, "pg1").toString());
        assertTrue(whats(plan, "pg2").stream().anyMatch(w -> w.startsWith("primary_conninfo: host=pg1")
                && w.contains("application_name=pg2") && w.contains("moved out of primary_conninfo")));
        assertTrue(whats(plan, "pg3").stream().anyMatch(w -> w.startsWith("primary_conninfo: host=pg2")));
        assertTrue(whats(plan, "pg3").contains("start.conf manual (was auto) and pgpilot's boot gate"));
        assertEquals(List.of("wal_log_hints = on (was \"off\")"), plan.restartsOf("pg1"),
                "only wal_log_hints waits for a restart");
        assertTrue(whats(plan, "pg2").contains("wal_receiver_timeout = 5s (was \"1min\")"));
        plan.changes().forEach(c -> assertFalse(c.why().isBlank(), "every change says why: " + c));
    }

    @Test
    void anAdoptedClusterNeedsNoMoreThanItsLoginsEnsured() {
        Plan first = Adoption.plan("lab", chain(), PGPOOL);
        List<Candidate> adopted = new ArrayList<>();
        for (Candidate c : chain()) {
            Adoption.Node node = first.nodes().stream().filter(n -> n.instanceId().equals(c.instanceId())).findFirst()
                    .orElseThrow();
            Map<String, String> tags = new LinkedHashMap<>(c.tags());
            tags.putAll(first.tags(node));
            Inspection i = withSettings(c.inspection(), Map.of("wal_keep_size", "256MB",
                    "wal_retrieve_retry_interval", "50ms", "hot_standby_feedback", "on", "wal_receiver_timeout", "5s",
                    "wal_sender_timeout", "5s", "wal_log_hints", "on"));
            i = new Inspection(i.pgCluster(), i.major(), i.systemId(), i.inRecovery(), node.upstream(),
                    i.walReceiver(), i.inRecovery() ? node.name() : null, false,
                    i.inRecovery() ? "" : "FIRST 1 (pg2)", i.downstreams(), i.settings(), List.of(), "manual", true, true);
            adopted.add(new Candidate(c.instanceId(), c.address(), tags, true, i, null));
        }

        Plan again = Adoption.plan("lab", adopted, PGPOOL);

        assertFalse(again.refused());
        assertEquals(List.of("pg1"), again.changes().stream().map(Change::node).distinct().toList(),
                "only the primary's logins, which adopt --apply ensures every time: " + again.changes());
        assertEquals(2, again.changes().size(), again.changes().toString());
    }

    @Test
    void dataChecksumsMakeWalLogHintsUnnecessary() {
        List<Candidate> candidates = chain().stream().map(c -> inspected(c,
                i -> withSettings(i, Map.of("data_checksums", "on")))).toList();

        assertTrue(Adoption.plan("lab", candidates, PGPOOL).changes().stream().noneMatch(Change::restart));
    }

    @Test
    void aHostTunedAbovePgpilotKeepsItsOwnValues() {
        Inspection tuned = withSettings(chain().get(0).inspection(), Map.of("max_wal_senders", "20",
                "wal_keep_size", "1GB"));

        assertEquals("20", Adoption.maxWalSenders(tuned));
        assertEquals("1024MB", Adoption.walKeepSize(tuned));
        assertEquals("10", Adoption.maxWalSenders(chain().get(1).inspection()));
        assertEquals("256MB", Adoption.walKeepSize(chain().get(1).inspection()));
        assertEquals(512, Adoption.kilobytes("512kB"));
        assertTrue(Adoption.plan("lab", List.of(chain().get(0), chain().get(1), inspected(chain().get(2),
                        i -> withSettings(i, Map.of("max_wal_senders", "20")))), PGPOOL).changes().stream()
                .noneMatch(c -> c.node().equals("pg3") && c.what().startsWith("max_wal_senders")));
    }

    @Test
    void anAsynchronousClusterIsAdoptedWithAWarning() {
        List<Candidate> candidates = with("pg1", c -> inspected(c, i -> new Inspection(i.pgCluster(), i.major(),
                i.systemId(), false, null, null, null, false, "",
                List.of(new Downstream("standby_1", "10.0.0.12", "async")), i.settings(), i.pendingRestart(),
                i.startConf(), i.bootGate(), i.hostsBlock())));

        Plan plan = Adoption.plan("lab", candidates, PGPOOL);

        assertTrue(plan.syncStandbys().isEmpty());
        assertTrue(plan.warnings().get(0).contains("can lose commits the primary acknowledged"), plan.warnings().toString());
    }

    @Test
    void twoPrimariesAreRefused() {
        assertRefused(with("pg3", c -> inspected(c, i -> new Inspection(i.pgCluster(), i.major(), i.systemId(), false,
                null, null, null, false, "", List.of(), i.settings(), i.pendingRestart(), i.startConf(), i.bootGate(),
                i.hostsBlock()))), "two primaries: pg1 and pg3 both accept writes");
    }

    @Test
    void noPrimaryIsRefused() {
        assertRefused(List.of(chain().get(1), chain().get(2)), "no node is a primary");
    }

    @Test
    void aBrokenChainIsRefused() {
        assertRefused(with("pg3", c -> inspected(c, i -> new Inspection(i.pgCluster(), i.major(), i.systemId(), true,
                null, "waiting", i.applicationName(), false, "", List.of(), i.settings(), i.pendingRestart(),
                i.startConf(), i.bootGate(), i.hostsBlock()))), "broken chain: pg3 is a standby that does not stream");
        assertRefused(with("pg3", c -> inspected(c, i -> new Inspection(i.pgCluster(), i.major(), i.systemId(), true,
                "10.9.9.9", "streaming", i.applicationName(), false, "", List.of(), i.settings(), i.pendingRestart(),
                i.startConf(), i.bootGate(), i.hostsBlock()))), "broken chain: pg3 streams from \"10.9.9.9\"");
        assertRefused(List.of(chain().get(0), chain().get(2)), "broken chain: pg3 streams from \"pg2\"");
    }

    @Test
    void aLoopOfStandbysIsRefused() {
        List<Candidate> candidates = new ArrayList<>(chain());
        candidates.add(candidate("pg4", "10.0.0.14", handBuilt("main", true, "pg5", "pg4", List.of())));
        candidates.add(candidate("pg5", "10.0.0.15", handBuilt("main", true, "pg4", "pg5", List.of())));

        assertRefused(candidates, "broken chain: pg4 streams from pg5, which does not lead to the primary pg1");
    }

    @Test
    void anUnsupportedMajorVersionIsRefused() {
        List<Candidate> old = chain().stream().map(c -> inspected(c, i -> new Inspection(i.pgCluster(), 13,
                i.systemId(), i.inRecovery(), i.upstream(), i.walReceiver(), i.applicationName(),
                i.passwordInConninfo(), i.syncStandbyNames(), i.downstreams(), i.settings(), i.pendingRestart(),
                i.startConf(), i.bootGate(), i.hostsBlock()))).toList();

        assertRefused(old, "pg1 runs PostgreSQL 13; pgpilot manages PostgreSQL 15 to 17");
    }

    @Test
    void nodesOfTwoDatabaseSystemsAreRefused() {
        assertRefused(with("pg3", c -> inspected(c, i -> new Inspection(i.pgCluster(), i.major(), "123",
                i.inRecovery(), i.upstream(), i.walReceiver(), i.applicationName(), i.passwordInConninfo(),
                i.syncStandbyNames(), i.downstreams(), i.settings(), i.pendingRestart(), i.startConf(), i.bootGate(),
                i.hostsBlock()))), "not one database system");
    }

    @Test
    void sslOffIsRefused() {
        assertRefused(with("pg2", c -> inspected(c, i -> withSettings(i, Map.of("ssl", "off")))),
                "pg2 has ssl off: pgpilot replicates only over TLS");
    }

    @Test
    void anInstanceOfAnotherClusterIsRefused() {
        assertRefused(with("pg2", c -> new Candidate(c.instanceId(), c.address(),
                Map.of("Name", "pg2", "pgpilot:cluster", "prod"), false, c.inspection(), null)),
                "pg2 (i-pg2) is tagged pgpilot:cluster=\"prod\": it belongs to another pgpilot cluster");
    }

    @Test
    void hostileOrMissingNamesAreRefused() {
        assertRefused(with("pg2", c -> new Candidate(c.instanceId(), c.address(), Map.of("Name", "pg2;reboot"),
                false, c.inspection(), null)), "i-pg2 is named \"pg2;reboot\", which is not a host name");
        assertRefused(with("pg2", c -> new Candidate(c.instanceId(), c.address(), Map.of("Name", "pg2\nevil"),
                false, c.inspection(), null)), "which is not a host name");
        assertRefused(with("pg2", c -> new Candidate(c.instanceId(), c.address(), Map.of(), false, c.inspection(),
                null)), "i-pg2 has no Name tag");
        assertRefused(with("pg2", c -> new Candidate(c.instanceId(), c.address(), Map.of("Name", "PG1"), false,
                c.inspection(), null)), "two instances are named PG1");
        assertRefused(with("pg2", c -> new Candidate(c.instanceId(), c.address(), Map.of("Name", "pgpool1"), false,
                c.inspection(), null)), "has the name of the cluster's host pgpool1");
    }

    @Test
    void anInstanceThatDidNotAnswerIsRefusedWithItsReason() {
        assertRefused(with("pg3", c -> new Candidate(c.instanceId(), c.address(), c.tags(), false, null,
                "no PostgreSQL cluster listens on this host")), "pg3 (i-pg3) did not answer: no PostgreSQL cluster");
        assertRefused(List.of(), "no instance to adopt");
    }
}

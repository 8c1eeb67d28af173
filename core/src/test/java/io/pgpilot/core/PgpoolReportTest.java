package io.pgpilot.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A pgpool's report is read field by field; anything malformed, hostile or another cluster's is refused with the reason. */
class PgpoolReportTest {

    private static Map<String, Object> detail() {
        Map<String, Object> detail = new HashMap<>();
        detail.put("cluster", "lab");
        detail.put("node", "pg1");
        detail.put("address", "10.87.0.11");
        detail.put("pgpool", "pgpool1");
        detail.put("reason", "detached");
        return detail;
    }

    private static Map<String, Object> with(String key, Object value) {
        Map<String, Object> detail = detail();
        detail.put(key, value);
        return detail;
    }

    private static String refused(Map<String, ?> detail) {
        return assertInstanceOf(PgpoolReport.Refused.class, PgpoolReport.read(detail, "lab")).why();
    }

    @Test
    void givenAWellFormedReport_whenRead_thenAcceptedWithEveryField() {
        PgpoolReport report = assertInstanceOf(PgpoolReport.Accepted.class, PgpoolReport.read(detail(), "lab")).report();

        assertEquals(new PgpoolReport("lab", "pg1", "10.87.0.11", "pgpool1", "detached"), report);
        assertEquals("pgpool pgpool1 reports pg1 (10.87.0.11) down: detached", report.describe());
        assertEquals("pgpool-report#pg1", report.coalescingKey());
    }

    @Test
    void givenNoOrAnEmptyAddressAndFieldsItDoesNotKnow_whenRead_thenAcceptedWithoutThem() {
        Map<String, Object> noAddress = detail();
        noAddress.remove("address");
        Map<String, Object> extra = with("address", "");
        extra.put("nodeId", "0");

        for (Map<String, Object> detail : List.of(noAddress, extra)) {
            PgpoolReport report = assertInstanceOf(PgpoolReport.Accepted.class, PgpoolReport.read(detail, "lab"))
                    .report();
            assertEquals(null, report.address());
            assertEquals("pgpool pgpool1 reports pg1 down: detached", report.describe());
        }
    }

    @Test
    void givenAReportForAnotherCluster_whenRead_thenRefusedAsForgedOrMisrouted() {
        assertTrue(refused(with("cluster", "prod")).contains("a pgpool report for cluster \"prod\", not lab: forged,"
                + " or routed here by mistake"), refused(with("cluster", "prod")));
        assertTrue(refused(with("cluster", "lab\nx")).contains("\"lab\\u000ax\", not lab"));
    }

    @Test
    void givenMissingOrNonTextFields_whenRead_thenRefusedNamingTheField() {
        for (String key : List.of("cluster", "node", "pgpool", "reason")) {
            Map<String, Object> missing = detail();
            missing.remove(key);
            String why = refused(missing);
            assertTrue(why.contains("it has no " + key), why);
        }
        assertTrue(refused(with("node", 1)).contains("node is not text (found \"1\")"));
        assertTrue(refused(with("address", List.of("10.0.0.1"))).contains("address is not text"));
        assertTrue(refused(null).contains("without a detail"));
    }

    @Test
    void givenHostileOrMalformedValues_whenRead_thenRefusedQuotedAndNothingIsTakenFromThem() {
        Map<String, List<Object>> hostile = Map.of(
                "node", List.of("pg1; reboot", "$(id)", "pg1\n10.0.0.1 evil", "pg1.lab.internal", "-pg", "", "a".repeat(64)),
                "pgpool", List.of("pgpool 1", "`id`", "pgpool1.x", ""),
                "address", List.of("10.87.0.256", "pg1", "10.87.0.11 ", "::1%eth0"),
                "reason", List.of("Health check", "x;y", "a".repeat(33), "", "health_check"));
        hostile.forEach((key, values) -> values.forEach(value -> {
            String why = refused(with(key, value));
            assertTrue(why.startsWith("a malformed pgpool report: ") && why.endsWith("; nothing done"), why);
            assertTrue(!why.contains("\n"), "a refusal is one line, whatever the value held: " + why);
        }));
        assertTrue(refused(with("node", "pg1\nevil")).contains("\"pg1\\u000aevil\" is not a valid host name"));
    }
}

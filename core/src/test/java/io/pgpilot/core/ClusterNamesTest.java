package io.pgpilot.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClusterNamesTest {

    private final ClusterNames a = new ClusterNames("a");

    @Test
    void aDocumentIsNamedAfterItsFileAndItsCluster() {
        assertEquals("pgpilot-a-PromoteStandby", a.document("pgpilot-PromoteStandby"));
        assertEquals("pgpilot-PromoteStandby", a.file("pgpilot-a-PromoteStandby"));
        assertEquals("pgpilot/a/replication", a.replicationSecret());
        assertEquals("pgpilot/a/pcp", a.pcpSecret());
    }

    @Test
    void anotherClustersDocumentIsNotOneOfThisClusters() {
        assertNull(a.file("pgpilot-b-PromoteStandby"));
        assertNull(a.file("pgpilot-PromoteStandby"));
        assertNull(new ClusterNames("a-b").file("pgpilot-a-PromoteStandby"));
        // The part after the cluster has no hyphen, so "a" and "a-Backup" never name the same document.
        assertNull(a.file("pgpilot-a-Backup-Node"));
    }

    @Test
    void badNamesAreRefusedWithWhatIsAllowed() {
        for (String bad : new String[] {null, "", "-a", "a/b", "a b", "x".repeat(64), "a;rm"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ClusterNames(bad));
            assertTrue(e.getMessage().contains("letters"), e.getMessage());
        }
        for (String bad : new String[] {null, "PromoteStandby", "pgpilot-promote", "pgpilot-Promote-Standby",
            "pgpilot-A/../B"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.document(bad));
            assertTrue(e.getMessage().contains("pgpilot-Name"), e.getMessage());
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void aDeployedDocumentDefaultsToItsClustersSecretsAndRunsItsClustersCopyOfASibling() {
        Map<String, Object> secret = new LinkedHashMap<>(Map.of("type", "String"));
        Map<String, Object> document = Map.of(
                "schemaVersion", "2.2",
                "parameters", Map.of("replicationSecret", secret, "upstreamHost", Map.of("type", "String")),
                "mainSteps", List.of(
                        Map.of("action", "aws:runDocument", "name", "nested",
                                "inputs", Map.of("documentType", "SSMDocument", "documentPath", "pgpilot-ConfigureStandby")),
                        Map.of("action", "aws:runDocument", "name", "foreign",
                                "inputs", Map.of("documentType", "SSMDocument", "documentPath", "AWS-RunShellScript"))));

        Map<String, Object> deployed = a.deployed(document, Set.of("pgpilot-ConfigureStandby"));

        Map<String, Map<String, Object>> parameters = (Map<String, Map<String, Object>>) deployed.get("parameters");
        assertEquals("pgpilot/a/replication", parameters.get("replicationSecret").get("default"));
        assertEquals(Map.of("type", "String"), parameters.get("upstreamHost"));
        List<Map<String, Object>> steps = (List<Map<String, Object>>) deployed.get("mainSteps");
        assertEquals("pgpilot-a-ConfigureStandby", ((Map<String, Object>) steps.get(0).get("inputs")).get("documentPath"));
        assertEquals("AWS-RunShellScript", ((Map<String, Object>) steps.get(1).get("inputs")).get("documentPath"));
        assertEquals(Map.of("type", "String"), secret, "the file's content is left as it was");
    }
}

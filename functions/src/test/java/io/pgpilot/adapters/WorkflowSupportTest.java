package io.pgpilot.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.pgpilot.core.Ec2State;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the adapters gained for the workflow: JSON secret fields, instance tags. */
class WorkflowSupportTest {

    @Test
    void givenDatabaseSecret_whenFieldsRead_thenTheirTextAndErrorsNeverShowTheSecret() {
        SecretValue secret = new SecretValue("pgpilot/lab/db",
                "{\"username\":\"pgpilot\",\"password\":\"s3cr\\\"et\"}");
        SecretValue plain = new SecretValue("pgpilot/lab/db", "hunter2");

        assertEquals("pgpilot", secret.field("username"));
        assertEquals("s3cr\"et", secret.field("password"));
        String missing = assertThrows(IllegalStateException.class, () -> secret.field("host")).getMessage();
        String notJson = assertThrows(IllegalStateException.class, () -> plain.field("password")).getMessage();
        assertEquals("secret pgpilot/lab/db has no non-empty string field \"host\"", missing);
        assertEquals("secret pgpilot/lab/db is not a JSON object; expected {\"password\": ...}", notJson);
        assertFalse(notJson.contains("hunter2"));
    }

    @Test
    void givenInstanceTags_whenRead_thenBlankCountsAsAbsent() {
        Instance instance = new Instance("pg3", "i-1", "10.0.0.3", Ec2State.RUNNING, "standby",
                Map.of("pgpilot:upstream", "pg2", "pgpilot:sync", " "));

        assertEquals(Optional.of("pg2"), instance.tag(Instances.UPSTREAM_TAG));
        assertEquals(Optional.empty(), instance.tag(Instances.SYNC_TAG));
        assertEquals(Optional.empty(), instance.tag(Instances.PGCLUSTER_TAG));
        assertEquals(Map.of(), new Instance("pg1", "i-2", null, Ec2State.STOPPED, "primary").tags());
    }
}

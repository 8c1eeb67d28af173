package io.pgpilot.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A secret's value: read by field, never shown. */
class SecretValueTest {

    @Test
    void givenASecret_whenPrinted_thenItsValueIsHidden() {
        SecretValue secret = new SecretValue("pgpilot/replication", "s3cr3t-value");

        assertEquals("s3cr3t-value", secret.reveal());
        assertFalse(secret.toString().contains("s3cr3t"));
        assertTrue(secret.toString().contains("pgpilot/replication"));
    }

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
}

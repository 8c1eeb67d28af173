package io.pgpilot.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.Checks;
import io.pgpilot.core.FailoverPolicy;
import io.pgpilot.fakes.Fixture;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The environment: defaults, and a clear error naming the variable for every mistake. */
class ClusterConfigTest {

    private static ClusterConfig with(String... pairs) {
        Map<String, String> env = new HashMap<>(Fixture.env());
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] == null) {
                env.remove(pairs[i]);
            } else {
                env.put(pairs[i], pairs[i + 1]);
            }
        }
        return ClusterConfig.from(env);
    }

    private static String error(String... pairs) {
        return assertThrows(IllegalArgumentException.class, () -> with(pairs)).getMessage();
    }

    @Test
    void givenTheRequiredVariablesOnly_whenRead_thenEveryOtherHasItsSafeDefault() {
        ClusterConfig config = with();

        assertEquals("lab", config.cluster());
        assertEquals("postgres", config.dbName());
        assertEquals(5432, config.dbPort());
        assertEquals("verify-full", config.sslMode());
        assertNull(config.sslRootCert());
        assertEquals(Duration.ofSeconds(2), config.probeTimeout());
        assertEquals("15", config.pgVersion());
        assertNull(config.hostedZoneId());
        assertNull(config.policy().dnsRecordName());
        assertEquals(1024 * 1024, config.rpoGuardBytes());
        assertEquals(3, config.confirmationProbes());
        assertEquals(Duration.ofMillis(500), config.probeInterval());
        assertEquals(Duration.ofSeconds(180), config.leaseDuration());
        assertEquals(Duration.ofSeconds(120), config.commandTimeout());
        assertEquals(Duration.ofSeconds(300), config.rebuildWait());
        assertEquals(Duration.ofSeconds(30), config.catchUpTimeout());
        assertEquals("pgpilot", config.metricsNamespace());
        assertTrue(!config.policy().force());
        assertEquals(FailoverPolicy.Replication.SYNCHRONOUS, config.replication());
        assertEquals(FailoverPolicy.Replication.SYNCHRONOUS, config.policy().replication());
    }

    // ---------------------------------------------------------------------- replication mode

    @Test
    void givenReplicationMode_whenRead_thenThePlannersPolicyCarriesIt() {
        assertEquals(FailoverPolicy.Replication.ASYNCHRONOUS,
                with("PGPILOT_REPLICATION_MODE", "asynchronous").policy().replication());
        assertEquals(FailoverPolicy.Replication.SYNCHRONOUS,
                with("PGPILOT_REPLICATION_MODE", "synchronous").policy().replication());
        assertEquals(FailoverPolicy.Replication.ASYNCHRONOUS,
                with("PGPILOT_REPLICATION_MODE", " asynchronous ").replication(), "blanks around it are stripped");
        assertEquals(FailoverPolicy.Replication.SYNCHRONOUS, with("PGPILOT_REPLICATION_MODE", "").replication(),
                "blank is unset: the default");
    }

    @Test
    void givenBadReplicationMode_whenRead_thenTheErrorNamesTheVariableTheValueAndBothModes() {
        String expected = " is invalid; expected synchronous (the default: commits wait for a standby that streams"
                + " directly from the primary) or asynchronous (synchronous_standby_names ''), in lower case";
        assertEquals("PGPILOT_REPLICATION_MODE=\"async\"" + expected, error("PGPILOT_REPLICATION_MODE", "async"));
        assertEquals("PGPILOT_REPLICATION_MODE=\"ASYNCHRONOUS\"" + expected,
                error("PGPILOT_REPLICATION_MODE", "ASYNCHRONOUS"));
        assertEquals("PGPILOT_REPLICATION_MODE=\"sync\"" + expected, error("PGPILOT_REPLICATION_MODE", "sync"));
        assertEquals("PGPILOT_REPLICATION_MODE is set but PGPILOT_ENGINE=aurora: Aurora replicates through its own"
                + " storage and pgpilot sets no synchronous_standby_names; unset it",
                error("PGPILOT_ENGINE", "aurora", "PGPILOT_AURORA_CLUSTER_ID", "db1",
                        "PGPILOT_REPLICATION_MODE", "asynchronous"));
    }

    @Test
    void givenTheLabsSettings_whenRead_thenTheyAreTaken() {
        ClusterConfig config = with("PGPILOT_DB_SSLMODE", "verify-ca", "PGPILOT_DB_SSLROOTCERT",
                "/var/lib/pgpilot-lab/tls/ca.crt", "PGPILOT_HOSTED_ZONE_ID", "/hostedzone/Z0123456789ABCDEFGHIJ",
                "PGPILOT_DNS_NAME", "pg-primary.lab.internal.", "PGPILOT_PROBE_INTERVAL_MS", "0");

        assertEquals("verify-ca", config.sslMode());
        assertEquals("/var/lib/pgpilot-lab/tls/ca.crt", config.sslRootCert());
        assertEquals("Z0123456789ABCDEFGHIJ", config.hostedZoneId());
        assertEquals("pg-primary.lab.internal", config.policy().dnsRecordName());
        assertEquals(Duration.ZERO, config.probeInterval());
    }

    @Test
    void givenMistakes_whenRead_thenTheErrorNamesTheVariableWhatItHoldsAndWhatItShouldHold() {
        assertEquals("PGPILOT_CLUSTER is not set; expected 1 to 63 letters, digits, '.', '_' or '-', starting with a"
                + " letter or digit", error("PGPILOT_CLUSTER", null));
        assertEquals("PGPILOT_DB_PORT=\"54x\" is not a whole number; expected 1 to 65535 (default 5432)",
                error("PGPILOT_DB_PORT", "54x"));
        assertEquals("PGPILOT_CONFIRMATION_PROBES=0 is out of range; expected 1 to 20 (default 3)",
                error("PGPILOT_CONFIRMATION_PROBES", "0"));
        assertEquals("PGPILOT_DB_SSLMODE=\"disable\" is invalid; expected verify-full, verify-ca or require",
                error("PGPILOT_DB_SSLMODE", "disable"));
        assertTrue(error("PGPILOT_REPLICATION_CIDR", null).startsWith("PGPILOT_REPLICATION_CIDR is not set"));
        assertTrue(error("PGPILOT_REPLICATION_CIDR", "10.0.0.0/16;reboot").startsWith(
                "PGPILOT_REPLICATION_CIDR=\"10.0.0.0/16;reboot\" is invalid"));
        assertTrue(error("PGPILOT_DNS_NAME", "pg-primary.lab.internal").startsWith(
                "PGPILOT_HOSTED_ZONE_ID and PGPILOT_DNS_NAME go together"));
        assertTrue(error("PGPILOT_TOPIC_ARN", "pgpilot-lab")
                .startsWith("PGPILOT_TOPIC_ARN=\"pgpilot-lab\" is invalid"));
        assertTrue(error("PGPILOT_LEASE_SECONDS", "60")
                .startsWith("PGPILOT_LEASE_SECONDS=60 is shorter than one step"));
        assertTrue(error("PGPILOT_SWITCHOVER_CATCHUP_SECONDS", "300").startsWith(
                "PGPILOT_LEASE_SECONDS=180 is shorter than a switchover's catch-up"));
        assertEquals("PGPILOT_DB_NAME=\"a\\u000ab\" is invalid; expected a database name (letters, digits, '_')",
                error("PGPILOT_DB_NAME", "a\nb"));
    }

    // ------------------------------------------------------------------------------ rebuild wait

    @Test
    void givenARebuildWaitThatFitsInOneLambdaRun_whenRead_thenTaken() {
        assertEquals(Duration.ofSeconds(750), with("PGPILOT_REBUILD_WAIT_SECONDS", "750").rebuildWait(),
                "750 + 120 + 30 = 900 s");
    }

    @Test
    void givenARebuildWaitThatDoesNotFitInOneLambdaRun_whenRead_thenTheErrorNamesBothSettingsAndTheLimit() {
        assertEquals("PGPILOT_REBUILD_WAIT_SECONDS=751 does not fit in one Lambda run: with"
                + " PGPILOT_COMMAND_TIMEOUT_SECONDS=120 (the re-fence of a rebuild that failed) and 30 s of"
                + " verification it exceeds Lambda's 900 s; lower the rebuild wait (a rebuild still running then is"
                + " finished by the monitor) or the command timeout", error("PGPILOT_REBUILD_WAIT_SECONDS", "751"));
        assertTrue(error("PGPILOT_COMMAND_TIMEOUT_SECONDS", "600", "PGPILOT_LEASE_SECONDS", "630").startsWith(
                "PGPILOT_REBUILD_WAIT_SECONDS=300 does not fit in one Lambda run"), "the default too");
        assertEquals("PGPILOT_REBUILD_WAIT_SECONDS=5 is out of range; expected 10 to 840 (default 300)",
                error("PGPILOT_REBUILD_WAIT_SECONDS", "5"));
    }

    @Test
    void givenARebuildWaitWithAurora_whenRead_thenRefusedAndOtherwiseNotApplied() {
        assertEquals("PGPILOT_REBUILD_WAIT_SECONDS is set but PGPILOT_ENGINE=aurora: Aurora replaces its own readers"
                + " and pgpilot rebuilds no standby; unset it", error("PGPILOT_ENGINE", "aurora",
                "PGPILOT_AURORA_CLUSTER_ID", "db1", "PGPILOT_REBUILD_WAIT_SECONDS", "300"));
        assertEquals(Duration.ofSeconds(600), with("PGPILOT_ENGINE", "aurora", "PGPILOT_AURORA_CLUSTER_ID", "db1",
                "PGPILOT_COMMAND_TIMEOUT_SECONDS", "600", "PGPILOT_LEASE_SECONDS", "630").commandTimeout(),
                "the rebuild's Lambda budget binds no Aurora setting");
    }

    // ------------------------------------------------------------------------------ engines

    @Test
    void givenNoEngine_whenRead_thenEc2WithoutAuroraSettings() {
        ClusterConfig config = with();

        assertEquals(ClusterConfig.Engine.EC2, config.engine());
        assertTrue(!config.aurora());
        assertNull(config.auroraClusterId());
    }

    @Test
    void givenAuroraWithItsClusterId_whenRead_thenAuroraModeWhereTheSecretAndReplicationRangesAreOptional() {
        ClusterConfig config = with("PGPILOT_ENGINE", "aurora", "PGPILOT_AURORA_CLUSTER_ID", "pgpilot-main",
                "PGPILOT_DB_SECRET", null, "PGPILOT_REPLICATION_CIDR", null);

        assertEquals(ClusterConfig.Engine.AURORA, config.engine());
        assertTrue(config.aurora());
        assertEquals("pgpilot-main", config.auroraClusterId());
        assertNull(config.dbSecret());
        assertNull(config.replicationCidr());
        assertEquals(Duration.ofMinutes(10), config.auroraSettle());
        assertEquals("pgpilot/lab/db", with("PGPILOT_ENGINE", "aurora", "PGPILOT_AURORA_CLUSTER_ID", "db1",
                "PGPILOT_AURORA_SETTLE_SECONDS", "0").dbSecret());
        assertEquals(Duration.ZERO, with("PGPILOT_ENGINE", "aurora", "PGPILOT_AURORA_CLUSTER_ID", "db1",
                "PGPILOT_AURORA_SETTLE_SECONDS", "0").auroraSettle());
    }

    @Test
    void givenAuroraMistakes_whenRead_thenTheErrorNamesTheVariableAndWhatToDo() {
        assertEquals("PGPILOT_AURORA_CLUSTER_ID is not set; PGPILOT_ENGINE=aurora needs the DB cluster identifier of"
                + " the Aurora cluster to manage, e.g. pgpilot-main", error("PGPILOT_ENGINE", "aurora"));
        assertEquals("PGPILOT_ENGINE=\"postgres\" is invalid; expected ec2 (PostgreSQL on EC2) or aurora (an Aurora"
                + " PostgreSQL DB cluster), in lower case", error("PGPILOT_ENGINE", "postgres"));
        assertTrue(error("PGPILOT_ENGINE", "AURORA").startsWith("PGPILOT_ENGINE=\"AURORA\" is invalid"));
        for (String bad : new String[] {"1db", "db--main", "db-", "db_main", "a".repeat(64), "db main"}) {
            assertTrue(error("PGPILOT_ENGINE", "aurora", "PGPILOT_AURORA_CLUSTER_ID", bad).startsWith(
                    "PGPILOT_AURORA_CLUSTER_ID=" + Checks.quote(bad) + " is invalid; expected an RDS DB cluster identifier"),
                    bad);
        }
        assertEquals("PGPILOT_AURORA_CLUSTER_ID is set but PGPILOT_ENGINE is ec2 (the default): set"
                + " PGPILOT_ENGINE=aurora to manage an Aurora cluster, or unset PGPILOT_AURORA_CLUSTER_ID",
                error("PGPILOT_AURORA_CLUSTER_ID", "pgpilot-main"));
        assertTrue(error("PGPILOT_ENGINE", "ec2", "PGPILOT_AURORA_SETTLE_SECONDS", "60").startsWith(
                "PGPILOT_AURORA_SETTLE_SECONDS is set but PGPILOT_ENGINE is ec2"));
        assertEquals("PGPILOT_HOSTED_ZONE_ID is set but PGPILOT_ENGINE=aurora: Aurora's cluster endpoint already"
                + " follows the writer, so pgpilot keeps no Route 53 record; unset it",
                error("PGPILOT_ENGINE", "aurora", "PGPILOT_AURORA_CLUSTER_ID", "db1",
                        "PGPILOT_HOSTED_ZONE_ID", "Z0123456789ABCDEFGHIJ", "PGPILOT_DNS_NAME", "pg.lab.internal"));
        assertEquals("PGPILOT_AURORA_SETTLE_SECONDS=86401 is out of range; expected 0 to 86400 (default 600)",
                error("PGPILOT_ENGINE", "aurora", "PGPILOT_AURORA_CLUSTER_ID", "db1",
                        "PGPILOT_AURORA_SETTLE_SECONDS", "86401"));
        assertTrue(error("PGPILOT_DB_SECRET", null).startsWith("PGPILOT_DB_SECRET is not set"),
                "the ec2 engine still needs the secret");
    }
}

package io.pgpilot.config;

import io.pgpilot.core.Checks;
import io.pgpilot.core.ClusterNames;
import io.pgpilot.core.FailoverPolicy;
import io.pgpilot.core.HostNames;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What one deployment of the functions manages and how cautiously, read once from the Lambda's
 * environment. Every variable is checked here, so a mistake stops the function at its first
 * event with an error that names the variable, what it holds and what it should hold, before
 * anything is observed or changed.
 *
 * <table>
 *   <caption>Environment variables</caption>
 *   <tr><th>variable</th><th>meaning</th><th>default</th></tr>
 *   <tr><td>PGPILOT_CLUSTER</td><td>the pgpilot:cluster tag of the instances this function manages</td>
 *       <td>required</td></tr>
 *   <tr><td>PGPILOT_STATE_TABLE</td><td>DynamoDB table of leases, processed events and history</td>
 *       <td>required</td></tr>
 *   <tr><td>PGPILOT_TOPIC_ARN</td><td>SNS topic for notifications</td><td>required</td></tr>
 *   <tr><td>PGPILOT_DB_SECRET</td><td>Secrets Manager secret {"username","password"} the probe logs in
 *       with (a pg_monitor role)</td><td>required</td></tr>
 *   <tr><td>PGPILOT_DB_NAME</td><td>database the probe connects to</td><td>postgres</td></tr>
 *   <tr><td>PGPILOT_DB_PORT</td><td>PostgreSQL port of every node (and of pgpool's backends)</td>
 *       <td>5432</td></tr>
 *   <tr><td>PGPILOT_DB_SSLMODE</td><td>pgjdbc sslmode of the probe: verify-full, verify-ca or require</td>
 *       <td>verify-full: the server proves it holds a certificate of the CA for the very address
 *       probed, so nothing on the path can pose as a node and make it look alive or dead</td></tr>
 *   <tr><td>PGPILOT_DB_SSLROOTCERT</td><td>CA certificate file for verify-*; ship it with the function
 *       (e.g. /var/task/ca.crt)</td><td>pgjdbc's default (~/.postgresql/root.crt)</td></tr>
 *   <tr><td>PGPILOT_PROBE_TIMEOUT_SECONDS</td><td>probe connect, login and query timeout each, 1 to 30</td>
 *       <td>2</td></tr>
 *   <tr><td>PGPILOT_REPLICATION_CIDR</td><td>ranges standbys connect from (pgpilot-ConfigurePrimary's
 *       replicationCidr): one CIDR or up to 8, comma-separated</td><td>required</td></tr>
 *   <tr><td>PGPILOT_PG_VERSION</td><td>PostgreSQL major version on the hosts (the documents' pgVersion)</td>
 *       <td>15</td></tr>
 *   <tr><td>PGPILOT_HOSTED_ZONE_ID, PGPILOT_DNS_NAME</td><td>a Route 53 private zone and the record in it
 *       that names the primary; both or neither</td><td>neither: no DNS record</td></tr>
 *   <tr><td>PGPILOT_RPO_GUARD_BYTES</td><td>the most WAL an automatic failover may lose</td>
 *       <td>1048576 (1 MiB)</td></tr>
 *   <tr><td>PGPILOT_CONFIRMATION_PROBES</td><td>probe rounds in which the primary must be unreachable,
 *       1 to 20</td><td>3</td></tr>
 *   <tr><td>PGPILOT_REPLICATION_MODE</td><td>ec2 only (refused with aurora). synchronous: the standbys
 *       that stream directly from the primary are its synchronous_standby_names (FIRST 1, the pgpilot:sync
 *       standby first), so an acknowledged commit is on a standby, and a failover promotes only a standby
 *       known to hold every acknowledged commit (else it refuses and alerts); asynchronous:
 *       synchronous_standby_names is always '', so no commit waits for a standby, and a failover loses what
 *       no standby had received, at most the RPO guard beyond the primary's last recorded position. Any
 *       other value is refused</td><td>synchronous</td></tr>
 *   <tr><td>PGPILOT_PROBE_INTERVAL_MS</td><td>pause between probe rounds, 0 to 10000</td><td>500</td></tr>
 *   <tr><td>PGPILOT_SENTINEL_SECONDS</td><td>how long one scheduled monitor invocation keeps looking,
 *       0 to 840: it looks again every probe interval until then, so that a failure no event reports
 *       is found within about one look, not at the next schedule (a minute). 0: one look per schedule.
 *       With the lease it must fit in Lambda's 900 s (a run may start at the end)</td><td>50</td></tr>
 *   <tr><td>PGPILOT_LEASE_SECONDS</td><td>the cluster lease's term, 30 to 900. A run renews it before
 *       every step, and between the polls of a step that waits longer (a rebuild), and stops when it
 *       cannot, so it only has to outlast one command: at least the command timeout + 30 s. Short,
 *       because a run that dies holds the cluster until its lease runs out</td>
 *       <td>180</td></tr>
 *   <tr><td>PGPILOT_COMMAND_TIMEOUT_SECONDS</td><td>how long one SSM command is awaited, 10 to 840</td>
 *       <td>120</td></tr>
 *   <tr><td>PGPILOT_REBUILD_WAIT_SECONDS</td><td>ec2 only (refused with aurora). How long a run awaits
 *       pgpilot-RebuildStandby (a base backup outlasts any command timeout), 10 to 840, renewing the lease
 *       between polls; with the command timeout (the re-fence of a failed rebuild) + 30 s it must fit in
 *       Lambda's 900 s, and the function's timeout must exceed it plus the rest of a run. A rebuild still
 *       running then is left running, not fenced, and the monitor finishes the rejoin. The run holds the
 *       cluster lease meanwhile, so another run (a failover) waits for it</td><td>300</td></tr>
 *   <tr><td>PGPILOT_SWITCHOVER_CATCHUP_SECONDS</td><td>how long a switchover waits for its target to
 *       replay everything, 1 to 600, and at most the lease - 30 s (writes wait for the target meanwhile)</td>
 *       <td>30</td></tr>
 *   <tr><td>PGPILOT_ARCHIVE_STANZA</td><td>ec2 only (refused with aurora). The pgBackRest stanza of
 *       the cluster's WAL archive (pgpilot-Backup's stanza); without it a backup request is refused</td>
 *       <td>none</td></tr>
 *   <tr><td>PGPILOT_METRICS_NAMESPACE</td><td>CloudWatch namespace</td><td>pgpilot</td></tr>
 *   <tr><td>PGPILOT_ENGINE</td><td>ec2: PostgreSQL on EC2 instances tagged pgpilot:cluster; aurora: an
 *       Aurora PostgreSQL DB cluster, failed over with FailoverDBCluster</td><td>ec2</td></tr>
 *   <tr><td>PGPILOT_AURORA_CLUSTER_ID</td><td>aurora only: the DB cluster identifier</td>
 *       <td>required with aurora, refused with ec2</td></tr>
 *   <tr><td>PGPILOT_AURORA_SETTLE_SECONDS</td><td>aurora only, 0 to 86400: for this long after pgpilot's
 *       failover, its target is not failed over again unless RDS reports it failed (a repeated event,
 *       an endpoint whose DNS has not moved yet)</td><td>600</td></tr>
 * </table>
 *
 * <p>With PGPILOT_ENGINE=aurora, PGPILOT_DB_SECRET and PGPILOT_REPLICATION_CIDR are optional: the
 * secret, when set, lets the functions probe the cluster endpoint, which is what confirms a failed
 * writer that RDS still reports available (without it only RDS's own status confirms); the
 * replication ranges are not used. PGPILOT_COMMAND_TIMEOUT_SECONDS then bounds the wait for
 * Aurora to make the chosen reader the writer. A Route 53 record (PGPILOT_HOSTED_ZONE_ID,
 * PGPILOT_DNS_NAME) is refused: Aurora's cluster endpoint already follows the writer.
 */
public record ClusterConfig(String cluster, String stateTable, String topicArn, String dbSecret, String dbName,
                            int dbPort, String sslMode, String sslRootCert, Duration probeTimeout,
                            String replicationCidr, String pgVersion, String hostedZoneId, String dnsName,
                            long rpoGuardBytes, int confirmationProbes, Duration probeInterval,
                            Duration leaseDuration, Duration commandTimeout, Duration rebuildWait,
                            Duration catchUpTimeout,
                            String metricsNamespace, Engine engine, String auroraClusterId, Duration auroraSettle,
                            FailoverPolicy.Replication replication, Duration sentinel, String archiveStanza) {

    /** What the functions manage. */
    public enum Engine {
        /** PostgreSQL on EC2 instances: fence, promote, re-point through SSM. */
        EC2,
        /** An Aurora PostgreSQL DB cluster: FailoverDBCluster to the best reader. */
        AURORA
    }

    /** What a step may take beyond its SSM command: verifying probes, EC2 and API calls. */
    static final Duration STEP_MARGIN = Duration.ofSeconds(30);
    /** The longest a Lambda function may run, whatever its configured timeout. */
    static final Duration LAMBDA_LIMIT = Duration.ofSeconds(900);

    private static final Pattern CLUSTER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.$-]{0,62}");
    private static final Pattern CIDRS =
            Pattern.compile("[0-9A-Fa-f.:]{2,39}/[0-9]{1,3}(,[0-9A-Fa-f.:]{2,39}/[0-9]{1,3}){0,7}");
    private static final Pattern SSL_MODES = Pattern.compile("verify-full|verify-ca|require");
    private static final Pattern ROOT_CERT = Pattern.compile("/[A-Za-z0-9._/-]{1,255}");
    private static final Pattern STANZA = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final Pattern PG_VERSION = Pattern.compile("[0-9]{2}");
    private static final Pattern TOPIC_ARN =
            Pattern.compile("arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]{1,256}");
    private static final Pattern ZONE_ID = Pattern.compile("(/hostedzone/)?[A-Z0-9]{1,32}");
    /** RDS's rule: 1 to 63 letters, digits or hyphens, a letter first, no two hyphens in a row, none last. */
    private static final Pattern DB_CLUSTER_ID = Pattern.compile("[A-Za-z](?!.*--)[A-Za-z0-9-]{0,62}(?<!-)");

    public ClusterConfig {
        if (engine == null) {
            throw new IllegalArgumentException("engine is missing (null)");
        }
        if (replication == null) {
            throw new IllegalArgumentException("replication mode is missing (null)");
        }
        if ((engine == Engine.AURORA) != (auroraClusterId != null)) {
            throw new IllegalArgumentException(engine == Engine.AURORA
                    ? "PGPILOT_ENGINE=aurora needs PGPILOT_AURORA_CLUSTER_ID"
                    : "PGPILOT_AURORA_CLUSTER_ID applies to PGPILOT_ENGINE=aurora only");
        }
        if (leaseDuration.compareTo(commandTimeout.plus(STEP_MARGIN)) < 0) {
            throw new IllegalArgumentException("PGPILOT_LEASE_SECONDS=" + leaseDuration.toSeconds()
                    + " is shorter than one step may take: PGPILOT_COMMAND_TIMEOUT_SECONDS="
                    + commandTimeout.toSeconds()
                    + " + " + STEP_MARGIN.toSeconds() + " s of verification; raise the lease or lower the timeout");
        }
        if (engine == Engine.EC2 && rebuildWait.plus(commandTimeout).plus(STEP_MARGIN).compareTo(LAMBDA_LIMIT) > 0) {
            throw new IllegalArgumentException("PGPILOT_REBUILD_WAIT_SECONDS=" + rebuildWait.toSeconds()
                    + " does not fit in one Lambda run: with PGPILOT_COMMAND_TIMEOUT_SECONDS="
                    + commandTimeout.toSeconds() + " (the re-fence of a rebuild that failed) and "
                    + STEP_MARGIN.toSeconds() + " s of verification it exceeds Lambda's " + LAMBDA_LIMIT.toSeconds()
                    + " s; lower the rebuild wait (a rebuild still running then is finished by the monitor) or the"
                    + " command timeout");
        }
        if (sentinel == null || sentinel.isNegative() || sentinel.plus(leaseDuration).compareTo(LAMBDA_LIMIT) > 0) {
            throw new IllegalArgumentException("PGPILOT_SENTINEL_SECONDS=" + (sentinel == null ? null
                    : sentinel.toSeconds()) + " with PGPILOT_LEASE_SECONDS=" + leaseDuration.toSeconds()
                    + ": the monitor's watch plus a run's lease must fit in Lambda's " + LAMBDA_LIMIT.toSeconds() + " s");
        }
        if (leaseDuration.compareTo(catchUpTimeout.plus(STEP_MARGIN)) < 0) {
            throw new IllegalArgumentException("PGPILOT_LEASE_SECONDS=" + leaseDuration.toSeconds()
                    + " is shorter than a switchover's catch-up: PGPILOT_SWITCHOVER_CATCHUP_SECONDS="
                    + catchUpTimeout.toSeconds() + " + " + STEP_MARGIN.toSeconds() + " s; raise the lease or lower"
                    + " the catch-up");
        }
    }

    /** The policy the planner applies; never forced: forcing is an operator's explicit choice per run. */
    public FailoverPolicy policy() {
        return new FailoverPolicy(confirmationProbes, rpoGuardBytes, false, dnsName, replication);
    }

    public boolean dnsConfigured() {
        return hostedZoneId != null;
    }

    public boolean aurora() {
        return engine == Engine.AURORA;
    }

    /** The names of this cluster's SSM documents and secrets. */
    public ClusterNames names() {
        return new ClusterNames(cluster);
    }

    public static ClusterConfig fromEnvironment() {
        return from(System.getenv());
    }

    /** Reads and checks every variable; the first mistake throws an IllegalArgumentException naming it. */
    public static ClusterConfig from(Map<String, String> env) {
        Reader read = new Reader(env);
        Engine engine = "aurora".equals(read.string("PGPILOT_ENGINE", "ec2", Pattern.compile("ec2|aurora"),
                "ec2 (PostgreSQL on EC2) or aurora (an Aurora PostgreSQL DB cluster), in lower case"))
                ? Engine.AURORA : Engine.EC2;
        boolean aurora = engine == Engine.AURORA;
        String auroraClusterId = read.optional("PGPILOT_AURORA_CLUSTER_ID", DB_CLUSTER_ID,
                "an RDS DB cluster identifier: 1 to 63 letters, digits or hyphens, starting with a letter, not"
                        + " ending with a hyphen, no two hyphens in a row");
        if (aurora && auroraClusterId == null) {
            throw new IllegalArgumentException("PGPILOT_AURORA_CLUSTER_ID is not set; PGPILOT_ENGINE=aurora needs the"
                    + " DB cluster identifier of the Aurora cluster to manage, e.g. pgpilot-main");
        }
        for (String auroraOnly : new String[] {"PGPILOT_AURORA_CLUSTER_ID", "PGPILOT_AURORA_SETTLE_SECONDS"}) {
            if (!aurora && read.optional(auroraOnly, null, null) != null) {
                throw new IllegalArgumentException(auroraOnly + " is set but PGPILOT_ENGINE is ec2 (the default):"
                        + " set PGPILOT_ENGINE=aurora to manage an Aurora cluster, or unset " + auroraOnly);
            }
        }
        if (aurora) {
            for (String dnsOnly : new String[] {"PGPILOT_HOSTED_ZONE_ID", "PGPILOT_DNS_NAME"}) {
                if (read.optional(dnsOnly, null, null) != null) {
                    throw new IllegalArgumentException(dnsOnly + " is set but PGPILOT_ENGINE=aurora: Aurora's cluster"
                            + " endpoint already follows the writer, so pgpilot keeps no Route 53 record; unset it");
                }
            }
        }
        if (aurora && read.optional("PGPILOT_REPLICATION_MODE", null, null) != null) {
            throw new IllegalArgumentException("PGPILOT_REPLICATION_MODE is set but PGPILOT_ENGINE=aurora: Aurora"
                    + " replicates through its own storage and pgpilot sets no synchronous_standby_names; unset it");
        }
        if (aurora && read.optional("PGPILOT_ARCHIVE_STANZA", null, null) != null) {
            throw new IllegalArgumentException("PGPILOT_ARCHIVE_STANZA is set but PGPILOT_ENGINE=aurora: Aurora backs"
                    + " itself up continuously and pgpilot takes no backup of it; unset it");
        }
        if (aurora && read.optional("PGPILOT_REBUILD_WAIT_SECONDS", null, null) != null) {
            throw new IllegalArgumentException("PGPILOT_REBUILD_WAIT_SECONDS is set but PGPILOT_ENGINE=aurora: Aurora"
                    + " replaces its own readers and pgpilot rebuilds no standby; unset it");
        }
        String zone = read.optional("PGPILOT_HOSTED_ZONE_ID", ZONE_ID,
                "a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ");
        String dnsName = read.optional("PGPILOT_DNS_NAME", null, null);
        if (dnsName != null) {
            try {
                HostNames.requireHostName(dnsName.endsWith(".") ? dnsName.substring(0, dnsName.length() - 1) : dnsName,
                        "PGPILOT_DNS_NAME");
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(e.getMessage());
            }
        }
        if ((zone == null) != (dnsName == null)) {
            throw new IllegalArgumentException("PGPILOT_HOSTED_ZONE_ID and PGPILOT_DNS_NAME go together: "
                    + (zone == null ? "PGPILOT_DNS_NAME is set but PGPILOT_HOSTED_ZONE_ID is not"
                            : "PGPILOT_HOSTED_ZONE_ID is set but PGPILOT_DNS_NAME is not")
                    + "; set both for a Route 53 record of the primary, or neither");
        }
        return new ClusterConfig(
                read.required("PGPILOT_CLUSTER", CLUSTER,
                        "1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit"),
                read.required("PGPILOT_STATE_TABLE", Pattern.compile("[A-Za-z0-9_.-]{3,255}"),
                        "a DynamoDB table name (3 to 255 letters, digits, '_', '-', '.')"),
                read.required("PGPILOT_TOPIC_ARN", TOPIC_ARN,
                        "an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:pgpilot-main"),
                read.requiredUnless(aurora, "PGPILOT_DB_SECRET", Pattern.compile("[A-Za-z0-9/_+=.@:-]{1,2048}"),
                        "a Secrets Manager secret name or ARN"),
                read.string("PGPILOT_DB_NAME", "postgres", NAME, "a database name (letters, digits, '_')"),
                (int) read.number("PGPILOT_DB_PORT", 5432, 1, 65535),
                read.string("PGPILOT_DB_SSLMODE", "verify-full", SSL_MODES, "verify-full, verify-ca or require"),
                read.optional("PGPILOT_DB_SSLROOTCERT", ROOT_CERT, "an absolute file path"),
                Duration.ofSeconds(read.number("PGPILOT_PROBE_TIMEOUT_SECONDS", 2, 1, 30)),
                read.requiredUnless(aurora, "PGPILOT_REPLICATION_CIDR", CIDRS,
                        "one CIDR or up to 8 comma-separated, e.g. 10.0.0.0/16 or 10.0.1.0/24,10.0.2.0/24"),
                read.string("PGPILOT_PG_VERSION", "15", PG_VERSION, "a two-digit PostgreSQL major version"),
                zone == null ? null : zone.replaceFirst("^/hostedzone/", ""),
                dnsName == null ? null : dnsName.replaceFirst("\\.$", ""),
                read.number("PGPILOT_RPO_GUARD_BYTES", 1024 * 1024, 0, Long.MAX_VALUE),
                (int) read.number("PGPILOT_CONFIRMATION_PROBES", 3, 1, 20),
                Duration.ofMillis(read.number("PGPILOT_PROBE_INTERVAL_MS", 500, 0, 10_000)),
                Duration.ofSeconds(read.number("PGPILOT_LEASE_SECONDS", 180, 30, 900)),
                Duration.ofSeconds(read.number("PGPILOT_COMMAND_TIMEOUT_SECONDS", 120, 10, 840)),
                Duration.ofSeconds(read.number("PGPILOT_REBUILD_WAIT_SECONDS", 300, 10, 840)),
                Duration.ofSeconds(read.number("PGPILOT_SWITCHOVER_CATCHUP_SECONDS", 30, 1, 600)),
                read.string("PGPILOT_METRICS_NAMESPACE", "pgpilot", Pattern.compile("[A-Za-z0-9._/#:-]{1,255}"),
                        "a CloudWatch namespace (letters, digits, . - _ / # :)"),
                engine, auroraClusterId,
                Duration.ofSeconds(read.number("PGPILOT_AURORA_SETTLE_SECONDS", 600, 0, 86_400)),
                "asynchronous".equals(read.string("PGPILOT_REPLICATION_MODE", "synchronous",
                        Pattern.compile("synchronous|asynchronous"), "synchronous (the default: commits wait for a"
                                + " standby that streams directly from the primary) or asynchronous"
                                + " (synchronous_standby_names ''), in lower case"))
                        ? FailoverPolicy.Replication.ASYNCHRONOUS : FailoverPolicy.Replication.SYNCHRONOUS,
                Duration.ofSeconds(read.number("PGPILOT_SENTINEL_SECONDS", 50, 0, 840)),
                read.optional("PGPILOT_ARCHIVE_STANZA", STANZA,
                        "a pgBackRest stanza: 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit"));
    }

    private record Reader(Map<String, String> env) {

        String required(String name, Pattern pattern, String expected) {
            String value = optional(name, pattern, expected);
            if (value == null) {
                throw new IllegalArgumentException(name + " is not set; expected " + expected);
            }
            return value;
        }

        /** Required, or optional when {@code optional} (the other engine's variable). */
        String requiredUnless(boolean optional, String name, Pattern pattern, String expected) {
            return optional ? optional(name, pattern, expected) : required(name, pattern, expected);
        }

        String string(String name, String fallback, Pattern pattern, String expected) {
            String value = optional(name, pattern, expected);
            return value == null ? fallback : value;
        }

        /** Null when unset or blank; otherwise it must match {@code pattern} (when given). */
        String optional(String name, Pattern pattern, String expected) {
            String value = env.get(name);
            if (value == null || value.isBlank()) {
                return null;
            }
            value = value.strip();
            if (pattern != null && !pattern.matcher(value).matches()) {
                throw new IllegalArgumentException(name + "=" + Checks.quote(value) + " is invalid; expected " + expected);
            }
            return value;
        }

        long number(String name, long fallback, long min, long max) {
            String value = optional(name, null, null);
            if (value == null) {
                return fallback;
            }
            long parsed;
            try {
                parsed = Long.parseLong(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + "=" + Checks.quote(value) + " is not a whole number; expected "
                        + min + " to " + max + " (default " + fallback + ")");
            }
            if (parsed < min || parsed > max) {
                throw new IllegalArgumentException(name + "=" + parsed + " is out of range; expected " + min + " to "
                        + max + " (default " + fallback + ")");
            }
            return parsed;
        }
    }
}

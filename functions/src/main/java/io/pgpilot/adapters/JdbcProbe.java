package io.pgpilot.adapters;

import io.pgpilot.core.AuroraObservation;
import io.pgpilot.core.Lsn;
import io.pgpilot.core.NodeObservation;
import io.pgpilot.core.Topology;
import io.pgpilot.core.WalReceiverStatus;
import io.pgpilot.core.WalSender;
import io.pgpilot.core.ports.ArchiveStatus;
import io.pgpilot.core.ports.EndpointProbe;
import io.pgpilot.core.ports.NodeProbe;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Supplier;
import org.postgresql.Driver;

/**
 * {@link NodeProbe} over JDBC: one new connection and one query per probe, with short timeouts.
 * A new connection each time is the point: it proves what a client would see now, where a pooled
 * connection could outlive the server's ability to accept new ones.
 *
 * <p>The probe's role needs pg_monitor (pg_stat_wal_receiver shows its sender only to it).
 *
 * <p>In Aurora mode it probes endpoints rather than nodes ({@link EndpointProbe}): whether the
 * cluster endpoint answers as a writer, and the replicas' lag through the reader endpoint.
 */
public final class JdbcProbe implements NodeProbe, EndpointProbe {

    private static final System.Logger LOG = System.getLogger(JdbcProbe.class.getName());

    /**
     * Everything in one statement, so the readings belong together. On a primary the timeline is
     * the current WAL file's (pg_control's lags until the first checkpoint after a promotion). On
     * a standby it is the newest of the WAL receiver's, the WAL segment files' in pg_wal and the
     * last restartpoint's: a standby whose WAL receiver is not running (its upstream just died, or
     * it was rewound onto a new timeline) still holds files named with the timeline it follows,
     * where its restartpoint can be a timeline behind. The primary's WAL senders come with their
     * application names hex-encoded, so no name can break the list apart. pg_ls_waldir() needs
     * pg_monitor, which the probe's role has.
     */
    static final String QUERY = """
            SELECT pg_is_in_recovery(),
              CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn() ELSE pg_current_wal_lsn() END::text,
              CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END::text,
              CASE WHEN pg_is_in_recovery()
                THEN GREATEST((SELECT received_tli FROM pg_stat_wal_receiver),
                              (SELECT timeline_id FROM pg_control_checkpoint()),
                              (SELECT max(('x' || substr(name, 1, 8))::bit(32)::int) FROM pg_ls_waldir()
                                WHERE name ~ '^[0-9A-F]{24}$'))
                ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END,
              (SELECT status FROM pg_stat_wal_receiver),
              (SELECT sender_host FROM pg_stat_wal_receiver),
              current_setting('synchronous_standby_names'),
              (SELECT system_identifier FROM pg_control_system())::text,
              (SELECT string_agg(encode(convert_to(application_name, 'UTF8'), 'hex') || ' ' || coalesce(state, '-')
                  || ' ' || coalesce(sync_state, '-') || ' ' || coalesce(flush_lsn::text, '-'), ',')
                FROM pg_stat_replication)
            """;

    /**
     * The archive's backlog and health, when archive_mode is on: the .ready files of
     * archive_status (pg_ls_archive_statusdir() needs pg_monitor) and whether pg_stat_archiver's
     * last failure is newer than its last success.
     */
    static final String ARCHIVE_QUERY = """
            SELECT (SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'),
              coalesce(last_failed_time > coalesce(last_archived_time, '-infinity'), false)
            FROM pg_stat_archiver WHERE current_setting('archive_mode') <> 'off'
            """;

    /** Aurora's view of its replicas: one row per instance, the writer's lag null. */
    static final String AURORA_LAG_QUERY =
            "SELECT server_id, replica_lag_in_msec FROM aurora_replica_status()";

    /**
     * How to reach every node.
     *
     * @param password    read when a probe connects, so a rotated secret is picked up
     * @param sslMode     pgjdbc's sslmode: verify-full, verify-ca, require...
     * @param sslRootCert the CA file that verify-* checks against; null for pgjdbc's default
     * @param timeout     for connecting, logging in and the query each; whole seconds, at least 1
     */
    public record Settings(int port, String database, String user, Supplier<String> password, String sslMode,
                           String sslRootCert, Duration timeout) {

        public Settings {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be 1 to 65535, was " + port);
            }
            AwsClients.requireText(database, "database");
            AwsClients.requireText(user, "user");
            if (password == null) {
                throw new IllegalArgumentException("password supplier is missing (null)");
            }
            AwsClients.requireText(sslMode, "sslmode");
            if (timeout == null || timeout.getSeconds() < 1) {
                throw new IllegalArgumentException("probe timeout must be at least 1 s, was " + timeout);
            }
        }

        /** Port 5432, database postgres, sslmode verify-full with pgjdbc's default CA file, 2 s timeouts. */
        public static Settings of(String user, Supplier<String> password) {
            return new Settings(5432, "postgres", user, password, "verify-full", null, Duration.ofSeconds(2));
        }

        public Settings withSsl(String mode, String rootCert) {
            return new Settings(port, database, user, password, mode, rootCert, timeout);
        }

        public Settings withTimeout(Duration limit) {
            return new Settings(port, database, user, password, sslMode, sslRootCert, limit);
        }
    }

    private final Settings settings;
    private final Driver driver = new Driver();

    public JdbcProbe(Settings settings) {
        this.settings = settings;
    }

    /**
     * The node's state, or {@link NodeObservation#unreachable} when it cannot be talked to:
     * refused, timed out, shutting down or starting up, the connection cut mid-query.
     *
     * @throws IllegalStateException when the node answers but refuses the probe (authentication,
     *         missing database or privilege): a fault of pgpilot's set-up, not of the node, and
     *         never a reason to fail it over. The password supplier's own failure propagates too.
     */
    @Override
    public NodeObservation probe(Topology topology, String node) {
        Topology.Node target = topology.node(node);
        Properties props = properties();
        // Straight to the driver: no DriverManager scan of the classpath, no global state.
        try (Connection connection = driver.connect(url(target.address()), props);
             Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery(QUERY)) {
            row.next();
            return observation(topology, node, row);
        } catch (SQLException e) {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            if (refusesUs(state)) {
                throw new IllegalStateException("probe of " + node + " (" + target.address() + ") was refused: "
                        + e.getMessage() + " (SQLState " + state + ")", e);
            }
            LOG.log(System.Logger.Level.WARNING, "probe of {0} ({1}) failed: {2} (SQLState {3})", node,
                    target.address(), e.getMessage(), state);
            return NodeObservation.unreachable(node);
        }
    }

    /** Empty also when the node cannot be reached or read: the metric is left out, never sent as 0. */
    @Override
    public Optional<ArchiveStatus> archive(Topology topology, String node) {
        Topology.Node target = topology.node(node);
        try (Connection connection = driver.connect(url(target.address()), properties());
             Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery(ARCHIVE_QUERY)) {
            if (!row.next()) {
                return Optional.empty();
            }
            return Optional.of(new ArchiveStatus(row.getInt(1), row.getBoolean(2)));
        } catch (SQLException e) {
            LOG.log(System.Logger.Level.WARNING, "archive status of {0} not read: {1} (SQLState {2})", node,
                    e.getMessage(), e.getSQLState());
            return Optional.empty();
        }
    }

    /**
     * Whether {@code host} (an Aurora cluster endpoint) answers, and as a writer or read-only.
     *
     * @throws IllegalStateException when it answers but refuses the probe, as {@link #probe} does
     */
    @Override
    public AuroraObservation.Endpoint answer(String host) {
        AwsClients.requireText(host, "endpoint to probe");
        try (Connection connection = driver.connect(url(host), properties());
             Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT pg_is_in_recovery()")) {
            row.next();
            return row.getBoolean(1) ? AuroraObservation.Endpoint.READ_ONLY : AuroraObservation.Endpoint.WRITER;
        } catch (SQLException e) {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            if (refusesUs(state)) {
                throw new IllegalStateException("probe of endpoint " + host + " was refused: " + e.getMessage()
                        + " (SQLState " + state + ")", e);
            }
            LOG.log(System.Logger.Level.WARNING, "probe of endpoint {0} failed: {1} (SQLState {2})", host,
                    e.getMessage(), state);
            return AuroraObservation.Endpoint.UNREACHABLE;
        }
    }

    /** aurora_replica_status() through {@code host}; empty when anything fails: the lag only ranks readers. */
    @Override
    public Map<String, Long> replicaLagMillis(String host) {
        AwsClients.requireText(host, "endpoint to probe");
        Map<String, Long> lags = new LinkedHashMap<>();
        try (Connection connection = driver.connect(url(host), properties());
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(AURORA_LAG_QUERY)) {
            while (rows.next()) {
                double lag = rows.getDouble(2);
                if (!rows.wasNull() && lag >= 0 && rows.getString(1) != null) {
                    lags.put(rows.getString(1), Math.round(lag));
                }
            }
            return lags;
        } catch (SQLException e) {
            LOG.log(System.Logger.Level.WARNING, "replica lag through {0} not read: {1} (SQLState {2})", host,
                    e.getMessage(), e.getSQLState());
            return Map.of();
        }
    }

    /** The server answered and said no to us: invalid authorization (28), no such database (3D), no privilege (42). */
    static boolean refusesUs(String sqlState) {
        return sqlState.startsWith("28") || sqlState.startsWith("3D") || sqlState.startsWith("42");
    }

    private String url(String address) {
        String host = address.indexOf(':') >= 0 ? "[" + address + "]" : address;
        return "jdbc:postgresql://" + host + ":" + settings.port() + "/" + settings.database();
    }

    private Properties properties() {
        String seconds = Long.toString(settings.timeout().getSeconds());
        Properties props = new Properties();
        props.setProperty("user", settings.user());
        props.setProperty("password", settings.password().get());
        props.setProperty("sslmode", settings.sslMode());
        if (settings.sslRootCert() != null) {
            props.setProperty("sslrootcert", settings.sslRootCert());
        }
        props.setProperty("connectTimeout", seconds);
        props.setProperty("loginTimeout", seconds);
        props.setProperty("socketTimeout", seconds);
        props.setProperty("cancelSignalTimeout", seconds);
        props.setProperty("ApplicationName", "pgpilot-probe");
        return props;
    }

    /**
     * The observation of one row. A reading that cannot be believed (an unparsable position, a
     * timeline below 1) makes the whole answer unusable, with the reason: the planner then
     * neither promotes the node nor takes it for down.
     */
    private static NodeObservation observation(Topology topology, String node, ResultSet row) throws SQLException {
        boolean inRecovery = row.getBoolean(1);
        String systemIdentifier = row.getString(8);
        int timeline = row.getInt(4);
        if (row.wasNull() || timeline < 1) {
            return NodeObservation.unusable(node, systemIdentifier, "it reports timeline "
                    + (row.wasNull() ? "null" : Integer.toString(timeline)) + ", which is no timeline");
        }
        List<String> syncStandbys = syncStandbys(node, row.getString(7));
        try {
            if (!inRecovery) {
                return NodeObservation.primary(node, Lsn.parse(row.getString(2)), timeline, syncStandbys)
                        .withWalSenders(walSenders(row.getString(9))).withSystemIdentifier(systemIdentifier);
            }
            String received = row.getString(2);
            String replayed = row.getString(3);
            // A standby always has replayed something; were it ever null, zero keeps it from being chosen.
            Lsn replayedLsn = replayed == null ? Lsn.ZERO : Lsn.parse(replayed);
            return NodeObservation.standby(node, received == null ? null : Lsn.parse(received), replayedLsn, timeline,
                    walReceiver(row.getString(5)), upstream(topology, row.getString(6))).withSyncStandbys(syncStandbys)
                    .withSystemIdentifier(systemIdentifier);
        } catch (IllegalArgumentException e) {
            return NodeObservation.unusable(node, systemIdentifier, "it reports " + e.getMessage());
        }
    }

    /**
     * pg_stat_replication as the query lists it: "HEXNAME STATE SYNC_STATE FLUSH_LSN" per WAL
     * sender, comma-separated, "-" for a null. Throws IllegalArgumentException for anything else.
     */
    static List<WalSender> walSenders(String list) {
        if (list == null || list.isEmpty()) {
            return List.of();
        }
        List<WalSender> senders = new ArrayList<>();
        for (String item : list.split(",", -1)) {
            String[] fields = item.split(" ", -1);
            if (fields.length != 4 || !fields[0].matches("([0-9a-f]{2})*")) {
                throw new IllegalArgumentException("a WAL sender list whose entry " + (senders.size() + 1)
                        + " is not HEXNAME STATE SYNC_STATE FLUSH_LSN");
            }
            String name = new String(HexFormat.of().parseHex(fields[0]), StandardCharsets.UTF_8);
            Lsn flushed = fields[3].equals("-") ? null : Lsn.parse(fields[3]);
            boolean synchronous = fields[2].equals("sync") || fields[2].equals("quorum");
            senders.add(new WalSender(name, fields[1].equals("streaming"), synchronous, flushed));
        }
        return senders;
    }

    static WalReceiverStatus walReceiver(String status) {
        if (status == null) {
            return WalReceiverStatus.NONE;
        }
        try {
            return WalReceiverStatus.valueOf(status.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException unknown) {
            // A status a later PostgreSQL adds: not streaming is all the planner may assume.
            return WalReceiverStatus.STOPPED;
        }
    }

    /**
     * The node a WAL receiver's sender_host names: by node name, by address, or by a name whose
     * first label is a node name (pg1.db.internal). Null when it names none of them.
     */
    static String upstream(Topology topology, String senderHost) {
        if (senderHost == null || senderHost.isBlank()) {
            return null;
        }
        String host = senderHost.strip();
        String firstLabel = host.indexOf(':') < 0 && !Character.isDigit(host.charAt(host.length() - 1))
                ? host.split("\\.", 2)[0] : host;
        for (Topology.Node node : topology.nodes()) {
            if (node.name().equalsIgnoreCase(host) || node.address().equalsIgnoreCase(host)
                    || node.name().equalsIgnoreCase(firstLabel)) {
                return node.name();
            }
        }
        return null;
    }

    private static List<String> syncStandbys(String node, String setting) {
        try {
            return SyncStandbyNames.parse(setting);
        } catch (IllegalArgumentException e) {
            // PostgreSQL accepted it, so this parser is the one at fault; re-setting it is harmless.
            LOG.log(System.Logger.Level.WARNING, "synchronous_standby_names of {0}: {1}", node, e.getMessage());
            return List.of();
        }
    }
}

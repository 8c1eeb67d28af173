package io.pgpilot.adapters;

import io.pgpilot.core.Checks;
import io.pgpilot.core.HostNames;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.regex.Pattern;
import org.postgresql.PGConnection;

/**
 * Logins on a PostgreSQL server, made by its administrator: the monitoring login that probes and
 * health checks use instead of the administrator's own (Aurora's master). The password is sent as a
 * SCRAM-SHA-256 verifier computed here, so no statement, and no server log of one, holds it.
 */
public final class PostgresLogins {

    private static final Pattern ROLE = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final Pattern DATABASE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

    private final Duration timeout;

    public PostgresLogins(Duration timeout) {
        this.timeout = timeout;
    }

    /**
     * Makes {@code role} a login with {@code password} and pg_monitor, creating it when missing;
     * the same call again changes nothing but the password. Refuses a role that is a superuser.
     */
    public void ensureMonitor(String host, int port, String database, SecretValue administrator, String role,
                              String password) {
        HostNames.requireHostOrAddress(host, "host");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not 1 to 65535");
        }
        if (database == null || !DATABASE.matcher(database).matches()) {
            throw new IllegalArgumentException("database " + Checks.quote(database) + " is not a plain identifier");
        }
        if (role == null || !ROLE.matcher(role).matches()) {
            throw new IllegalArgumentException("monitoring role " + Checks.quote(role)
                    + " must be 1 to 63 lower-case letters, digits or '_', not starting with a digit");
        }
        if (password == null || password.length() < 16) {
            throw new IllegalArgumentException("the monitoring role's password must have at least 16 characters");
        }
        Properties login = new Properties();
        login.setProperty("user", administrator.field("username"));
        login.setProperty("password", administrator.field("password"));
        login.setProperty("sslmode", "require");
        login.setProperty("connectTimeout", Long.toString(Math.max(1, timeout.toSeconds())));
        login.setProperty("socketTimeout", Long.toString(Math.max(1, timeout.toSeconds())));
        login.setProperty("ApplicationName", "pgpilot-monitor-login");
        String url = "jdbc:postgresql://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/" + database;
        try (Connection c = DriverManager.getConnection(url, login)) {
            Boolean superuser = superuser(c, role);
            try (Statement s = c.createStatement()) {
                if (superuser == null) {
                    s.execute("CREATE ROLE \"" + role + "\" LOGIN");
                } else if (superuser) {
                    throw new IllegalStateException("role " + role + " exists and is a superuser: a monitoring login"
                            + " must not be; rename or demote it first");
                } else {
                    s.execute("ALTER ROLE \"" + role + "\" LOGIN");
                }
                c.unwrap(PGConnection.class).alterUserPassword(role, password.toCharArray(), "scram-sha-256");
                s.execute("GRANT pg_monitor TO \"" + role + "\"");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot make the monitoring login " + role + " on " + host + ":" + port
                    + ": " + e.getMessage() + " (SQLState " + e.getSQLState() + ")", e);
        }
    }

    /** Whether the role is a superuser; null when there is no such role. */
    private static Boolean superuser(Connection c, String role) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT rolsuper FROM pg_roles WHERE rolname = ?")) {
            q.setString(1, role);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? rs.getBoolean(1) : null;
            }
        }
    }
}

package io.pgpilot.adapters;

import io.pgpilot.adapters.JdbcProbe;
import io.pgpilot.adapters.SecretValue;
import io.pgpilot.core.AuroraObservation;
import io.pgpilot.core.NodeObservation;
import io.pgpilot.core.Topology;
import io.pgpilot.core.ports.ArchiveStatus;
import io.pgpilot.core.ports.EndpointProbe;
import io.pgpilot.core.ports.NodeProbe;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The JDBC probe with its login read from the database secret ({"username","password"}), kept
 * for a minute: an observation probes every node several times, and Secrets Manager need not be
 * asked each time. Nothing is read until the first probe, so building it calls no AWS API (cold
 * start, SnapStart). A rotated password is picked up within a minute. In Aurora mode the same
 * login probes the cluster and reader endpoints.
 */
public final class SecretProbe implements NodeProbe, EndpointProbe {

    static final Duration KEEP = Duration.ofMinutes(1);

    private final Supplier<SecretValue> secret;
    private final JdbcProbe.Settings connection;
    private final Clock clock;
    private JdbcProbe probe;
    private String user;
    private String password;
    private Instant readAt;

    /**
     * @param connection how to reach the nodes; its user and password are replaced by the secret's
     */
    public SecretProbe(Supplier<SecretValue> secret, JdbcProbe.Settings connection, Clock clock) {
        this.secret = secret;
        this.connection = connection;
        this.clock = clock;
    }

    @Override
    public NodeObservation probe(Topology topology, String node) {
        return current().probe(topology, node);
    }

    @Override
    public Optional<ArchiveStatus> archive(Topology topology, String node) {
        return current().archive(topology, node);
    }

    @Override
    public AuroraObservation.Endpoint answer(String host) {
        return current().answer(host);
    }

    @Override
    public Map<String, Long> replicaLagMillis(String host) {
        return current().replicaLagMillis(host);
    }

    private synchronized JdbcProbe current() {
        Instant now = clock.instant();
        if (probe == null || !now.isBefore(readAt.plus(KEEP))) {
            SecretValue value = secret.get();
            String newUser = value.field("username");
            password = value.field("password");
            readAt = now;
            if (probe == null || !newUser.equals(user)) {
                user = newUser;
                probe = new JdbcProbe(new JdbcProbe.Settings(connection.port(), connection.database(), user,
                        this::password, connection.sslMode(), connection.sslRootCert(), connection.timeout()));
            }
        }
        return probe;
    }

    private synchronized String password() {
        return password;
    }
}

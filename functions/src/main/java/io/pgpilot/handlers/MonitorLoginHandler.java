package io.pgpilot.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.pgpilot.adapters.CloudFormationResponses;
import io.pgpilot.adapters.PostgresLogins;
import io.pgpilot.adapters.SecretValue;
import io.pgpilot.adapters.Secrets;
import io.pgpilot.runner.Log;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * Aurora's monitoring login, made at deploy: a CloudFormation custom resource
 * (Custom::PgpilotMonitorLogin; properties Host, Port, Database, AdminSecretId, MonitorSecretId)
 * whose Create and Update log in as the cluster's master and make the monitor secret's
 * {username, password} a login with pg_monitor. The functions' probes and pgpool's health checks
 * then use it, and only this function reads the master login. A Delete leaves the role: dropping
 * it would cut off whatever still monitors with it.
 */
public final class MonitorLoginHandler implements RequestHandler<Map<String, Object>, Void> {

    static final String TYPE = "Custom::PgpilotMonitorLogin";

    private final Secrets secrets;
    private final PostgresLogins logins;
    private final CloudFormationResponses responses;
    private final Log log;

    public MonitorLoginHandler() {
        this(new Secrets(), new PostgresLogins(Duration.ofSeconds(20)), new CloudFormationResponses(),
                new Log(System.out, Clock.systemUTC()));
    }

    public MonitorLoginHandler(Secrets secrets, PostgresLogins logins, CloudFormationResponses responses, Log log) {
        this.secrets = secrets;
        this.logins = logins;
        this.responses = responses;
        this.log = log;
    }

    @Override
    public Void handleRequest(Map<String, Object> request, Context context) {
        CustomResources.handle(request, TYPE, this::ensure, responses, log);
        return null;
    }

    /** The login exists with the monitor secret's password and pg_monitor; the role name is the resource. */
    private String ensure(Map<String, Object> properties, String requestId) {
        String host = Events.text(properties, "Host", TYPE);
        String port = Events.text(properties, "Port", TYPE);
        if (!port.matches("[0-9]{1,5}")) {
            throw new UnreadableEvent(TYPE + " Port " + port + " is not a port number");
        }
        SecretValue monitor = secrets.get(Events.text(properties, "MonitorSecretId", TYPE));
        String role = monitor.field("username");
        logins.ensureMonitor(host, Integer.parseInt(port), Events.text(properties, "Database", TYPE),
                secrets.get(Events.text(properties, "AdminSecretId", TYPE)), role, monitor.field("password"));
        log.info("monitor-login", "role", role, "host", host);
        return role;
    }
}

package io.pgpilot.fakes;

import io.pgpilot.config.ClusterConfig;
import io.pgpilot.core.ports.EndpointProbe;
import io.pgpilot.core.ports.Notifier;
import io.pgpilot.handlers.EventRouter;
import io.pgpilot.runner.Log;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** An {@link EventRouter} in Aurora mode wired to {@link FakeAurora}, as a handler's collaborator constructor takes it. */
public final class AuroraFixture {

    public final FakeAurora aurora = new FakeAurora();
    /** The EC2 side, which Aurora mode must leave alone. */
    public final FakeCluster ec2 = FakeCluster.seedChain();
    public final FakeServices services = new FakeServices();
    public final FakeClock clock = new FakeClock();
    public final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    public final ClusterConfig config;
    public final EventRouter automation;
    /** Set to make SNS fail. */
    public boolean snsDown;

    public AuroraFixture() {
        this(Map.of(), true);
    }

    /** @param probe whether database credentials are configured, so that the endpoint is probed */
    public AuroraFixture(Map<String, String> extraEnv, boolean probe) {
        Map<String, String> env = new HashMap<>(env());
        env.putAll(extraEnv);
        this.config = ClusterConfig.from(env);
        Log log = new Log(new PrintStream(logged, true, StandardCharsets.UTF_8), clock);
        Notifier notifier = (subject, message) -> {
            if (snsDown) {
                throw new IllegalStateException("SNS is down");
            }
            return services.publish(subject, message);
        };
        EndpointProbe endpoints = probe ? aurora : null;
        this.automation = EventRouter.aurora(config, aurora, endpoints, services, services, services, services, notifier,
                services, clock, clock.pause(), log);
    }

    /** What the deployed functions' environment holds in Aurora mode. */
    public static Map<String, String> env() {
        return Map.of("PGPILOT_CLUSTER", FakeCluster.CLUSTER,
                "PGPILOT_ENGINE", "aurora",
                "PGPILOT_AURORA_CLUSTER_ID", FakeAurora.ID,
                "PGPILOT_STATE_TABLE", "pgpilot-lab-state",
                "PGPILOT_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:pgpilot-lab",
                "PGPILOT_DB_SECRET", "pgpilot/lab/db");
    }

    public String log() {
        return logged.toString(StandardCharsets.UTF_8);
    }
}

package io.pgpilot.fakes;

import io.pgpilot.config.ClusterConfig;
import io.pgpilot.handlers.EventRouter;
import io.pgpilot.runner.Log;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** The lab in memory and an {@link EventRouter} wired to it, as a handler's collaborator constructor takes it. */
public final class Fixture {

    public final FakeCluster lab;
    public final FakeServices services = new FakeServices();
    public final FakeClock clock = new FakeClock();
    public final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    public final ClusterConfig config;
    public final EventRouter automation;

    public Fixture(FakeCluster lab) {
        this(lab, Map.of());
    }

    public Fixture(FakeCluster lab, Map<String, String> extraEnv) {
        this.lab = lab;
        lab.clock = clock;
        Map<String, String> env = new HashMap<>(env());
        env.putAll(extraEnv);
        this.config = ClusterConfig.from(env);
        Log log = new Log(new PrintStream(logged, true, StandardCharsets.UTF_8), clock);
        this.automation = EventRouter.ec2(config, lab, lab, lab, services, services, services, services, services,
                services, services, services, clock, clock.pause(), log);
    }

    public static Fixture seedChain() {
        return new Fixture(FakeCluster.seedChain());
    }

    /** The lab's environment, as the end-to-end wiring would set it (see ClusterConfig). */
    public static Map<String, String> env() {
        return Map.of("PGPILOT_CLUSTER", FakeCluster.CLUSTER,
                "PGPILOT_STATE_TABLE", "pgpilot-lab-state",
                "PGPILOT_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:pgpilot-lab",
                "PGPILOT_DB_SECRET", "pgpilot/lab/db",
                "PGPILOT_REPLICATION_CIDR", "10.87.0.0/24");
    }

    public String log() {
        return logged.toString(StandardCharsets.UTF_8);
    }
}

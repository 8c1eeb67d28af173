package io.pgpilot.lab.invoke;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpilot.config.ClusterConfig;
import io.pgpilot.ctl.Ctl;
import io.pgpilot.handlers.EventRouter;
import io.pgpilot.handlers.SwitchoverHandler;
import io.pgpilot.lab.ssm.LabSsmService;
import io.pgpilot.runner.Outcome;
import java.net.URI;
import java.time.Clock;
import java.util.Map;

/**
 * {@code ./pgpilot ctl} against the lab: the same command, with what the lab lacks of a deployment
 * stood in for, as {@code ./pgpilot invoke} stands it in. The cluster's configuration is the lab's
 * functions' environment (`lab/lab.sh env`, in this process's environment); Run Command is the lab
 * SSM service, which runs the documents on the lab hosts; the Switchover function is its handler,
 * run here (the emulator runs no Java function). Everything else is the emulator's AWS APIs.
 */
public final class LocalCtl {

    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();

    private LocalCtl() {
    }

    public static void main(String[] args) throws Exception {
        URI emulator = URI.create(System.getenv().getOrDefault("AWS_ENDPOINT_URL", "http://127.0.0.1:45660"));
        int status;
        try (LabSsmService ssm = new LabSsmService(0, emulator)) {
            // Only SSM goes to the lab service; every other client reads AWS_ENDPOINT_URL.
            System.setProperty("aws.endpointUrlSsm", ssm.start().toString());
            status = new Ctl(name -> lab(System.getenv(), name), System.out, Clock.systemUTC()).run(args, System.err);
        }
        System.exit(status);  // the SDK's and the service's threads must not keep a finished command alive
    }

    /** The lab's cluster, named {@code name}, from its functions' environment {@code env}. */
    public static Ctl.Cluster lab(Map<String, String> env, String name) {
        ClusterConfig config = ClusterConfig.from(env);
        if (!config.cluster().equals(name)) {
            throw new Ctl.Refused("no pgpilot cluster " + name + " in the lab (the lab's cluster is " + config.cluster()
                    + ")");
        }
        return new Ctl.Cluster() {
            @Override
            public ClusterConfig config() {
                return config;
            }

            @Override
            public Map<String, Object> invokeSwitchover(Map<String, Object> request) {
                Outcome outcome = new SwitchoverHandler(EventRouter.from(config, System.err))
                        .handleRequest(request, new LocalContext(SwitchoverHandler.class.getName()));
                return JSON.convertValue(outcome, new TypeReference<Map<String, Object>>() { });
            }
        };
    }
}

package io.pgpilot.lab.invoke;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpilot.config.ClusterConfig;
import io.pgpilot.core.ClusterNames;
import io.pgpilot.ctl.Ctl;
import io.pgpilot.handlers.BackupHandler;
import io.pgpilot.handlers.EventRouter;
import io.pgpilot.handlers.SwitchoverHandler;
import io.pgpilot.lab.ssm.DocumentDeployer;
import io.pgpilot.lab.ssm.Emulator;
import io.pgpilot.lab.ssm.LabSsmService;
import io.pgpilot.runner.Outcome;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code ./pgpilot ctl} against the lab: the same command, with what the lab lacks of a deployment
 * stood in for, as {@code ./pgpilot invoke} stands it in. The cluster's configuration is the lab's
 * functions' environment (`lab/lab.sh env`, in this process's environment); Run Command is the lab
 * SSM service, which runs the documents on the lab hosts; the Switchover function is its handler,
 * run here (the emulator runs no Java function), and a command one of them leaves running (a
 * backup) is waited for, as an agent runs it to its end. Everything else is the emulator's AWS APIs.
 */
public final class LocalCtl {

    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();
    /** The lab SSM service's own log lines are not ctl's output; its warnings still are. */
    private static final Logger SSM_LOG = Logger.getLogger("io.pgpilot.lab.ssm");

    private LocalCtl() {
    }

    /** {@code --documents DIR CTL-ARGUMENTS...}: the documents a deployment has, then ctl. */
    public static void main(String[] args) throws Exception {
        if (args.length < 2 || !"--documents".equals(args[0])) {
            System.err.println("usage: LocalCtl --documents DIR CTL-ARGUMENTS...");
            System.exit(2);
        }
        SSM_LOG.setLevel(Level.WARNING);
        URI emulator = URI.create(System.getenv().getOrDefault("AWS_ENDPOINT_URL", "http://127.0.0.1:45660"));
        String region = System.getenv().getOrDefault("AWS_REGION", "us-east-1");
        // CDK creates them from the same files; a lab recreated has a fresh emulator without them.
        try (Emulator deployTo = new Emulator(emulator)) {
            DocumentDeployer.deploy(deployTo.ssm(region), Path.of(args[1]), new ClusterNames(System.getenv("PGPILOT_CLUSTER")));
        }
        args = Arrays.copyOfRange(args, 2, args.length);
        int status;
        try (LabSsmService ssm = new LabSsmService(0, emulator)) {
            // Only SSM goes to the lab service; every other client reads AWS_ENDPOINT_URL.
            System.setProperty("aws.endpointUrlSsm", ssm.start().toString());
            status = new Ctl(name -> lab(System.getenv(), name), System.out, Clock.systemUTC()).run(args, System.err);
            if (!LocalInvoke.awaitUnfinished(ssm, "pgpilot ctl")) {
                status = 1;
            }
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
            public Map<String, Object> invoke(Ctl.Handler function, Map<String, Object> request) {
                EventRouter router = EventRouter.from(config, System.err);
                Outcome outcome = function == Ctl.Handler.BACKUP
                        ? new BackupHandler(router).handleRequest(request, new LocalContext(function.handlerClass))
                        : new SwitchoverHandler(router).handleRequest(request, new LocalContext(function.handlerClass));
                return JSON.convertValue(outcome, new TypeReference<Map<String, Object>>() { });
            }
        };
    }
}

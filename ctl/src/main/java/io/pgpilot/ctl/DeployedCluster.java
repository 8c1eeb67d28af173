package io.pgpilot.ctl;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpilot.config.ClusterConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.FunctionConfiguration;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

/**
 * A cluster as CDK deployed it: its configuration is its Switchover function's environment (the
 * function whose PGPILOT_CLUSTER names it), so ctl reads the same table, topic and secret as the
 * functions; its functions are invoked through their "live" alias.
 */
final class DeployedCluster implements Ctl.Cluster {

    static final String ALIAS = "live";
    /** A switchover's run: the function's own timeout is 10 minutes. */
    private static final Duration INVOKE_TIMEOUT = Duration.ofMinutes(15);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final LambdaClient lambda;
    /** The cluster's functions by handler class. */
    private final Map<String, FunctionConfiguration> functions;

    private DeployedCluster(String name, LambdaClient lambda, Map<String, FunctionConfiguration> functions) {
        this.name = name;
        this.lambda = lambda;
        this.functions = functions;
    }

    /** The deployed cluster {@code name} in the SDK's region; refused when there is none. */
    static Ctl.Cluster locate(String name) {
        LambdaClient lambda = LambdaClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(5)).socketTimeout(INVOKE_TIMEOUT)).build();
        TreeSet<String> clusters = new TreeSet<>();
        Map<String, FunctionConfiguration> ours = new HashMap<>();
        for (FunctionConfiguration f : lambda.listFunctionsPaginator().functions()) {
            String cluster = f.environment() == null ? null : f.environment().variables().get("PGPILOT_CLUSTER");
            if (cluster == null || f.handler() == null || !f.handler().endsWith("::handleRequest")) {
                continue;
            }
            clusters.add(cluster);
            if (name.equals(cluster)) {
                ours.put(f.handler().substring(0, f.handler().indexOf("::")), f);
            }
        }
        if (!ours.containsKey(Ctl.Handler.SWITCHOVER.handlerClass)) {
            throw new Ctl.Refused("no pgpilot cluster " + name + " is deployed here (no Switchover function with"
                    + " PGPILOT_CLUSTER=" + name + "; clusters found: " + (clusters.isEmpty() ? "none"
                    : String.join(", ", clusters)) + ")");
        }
        return new DeployedCluster(name, lambda, ours);
    }

    @Override
    public ClusterConfig config() {
        return ClusterConfig.from(functions.get(Ctl.Handler.SWITCHOVER.handlerClass).environment().variables());
    }

    @Override
    public Map<String, Object> invoke(Ctl.Handler which, Map<String, Object> request) {
        FunctionConfiguration function = functions.get(which.handlerClass);
        if (function == null) {
            throw new Ctl.Refused("cluster " + name + " has no " + which.handlerClass.substring(
                    which.handlerClass.lastIndexOf('.') + 1) + " function"
                    + (which == Ctl.Handler.BACKUP ? " (it was deployed without a WAL archive)" : ""));
        }
        try {
            SdkBytes body = SdkBytes.fromByteArray(JSON.writeValueAsBytes(request));
            InvokeResponse response = lambda.invoke(r -> r.functionName(function.functionName()).qualifier(ALIAS)
                    .payload(body));
            String payload = response.payload().asUtf8String();
            if (response.functionError() != null) {
                throw new IllegalStateException("the " + function.functionName() + " function failed ("
                        + response.functionError() + "): " + payload);
            }
            return JSON.readValue(payload, new TypeReference<Map<String, Object>>() { });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

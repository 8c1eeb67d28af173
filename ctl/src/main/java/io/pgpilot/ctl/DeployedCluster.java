package io.pgpilot.ctl;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpilot.config.ClusterConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
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
 * functions, and its switchover is that function, invoked through its "live" alias.
 */
final class DeployedCluster implements Ctl.Cluster {

    static final String SWITCHOVER_HANDLER = "io.pgpilot.handlers.SwitchoverHandler::handleRequest";
    static final String ALIAS = "live";
    /** A switchover's run: the function's own timeout is 10 minutes. */
    private static final Duration INVOKE_TIMEOUT = Duration.ofMinutes(15);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LambdaClient lambda;
    private final FunctionConfiguration function;

    private DeployedCluster(LambdaClient lambda, FunctionConfiguration function) {
        this.lambda = lambda;
        this.function = function;
    }

    /** The deployed cluster {@code name} in the SDK's region; refused when there is none. */
    static Ctl.Cluster locate(String name) {
        LambdaClient lambda = LambdaClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(5)).socketTimeout(INVOKE_TIMEOUT)).build();
        TreeSet<String> clusters = new TreeSet<>();
        for (FunctionConfiguration f : lambda.listFunctionsPaginator().functions()) {
            if (!SWITCHOVER_HANDLER.equals(f.handler()) || f.environment() == null) {
                continue;
            }
            String cluster = f.environment().variables().get("PGPILOT_CLUSTER");
            if (name.equals(cluster)) {
                return new DeployedCluster(lambda, f);
            }
            if (cluster != null) {
                clusters.add(cluster);
            }
        }
        throw new Ctl.Refused("no pgpilot cluster " + name + " is deployed here (no Switchover function with"
                + " PGPILOT_CLUSTER=" + name + "; clusters found: " + (clusters.isEmpty() ? "none" : String.join(", ",
                clusters)) + ")");
    }

    @Override
    public ClusterConfig config() {
        return ClusterConfig.from(function.environment().variables());
    }

    @Override
    public Map<String, Object> invokeSwitchover(Map<String, Object> request) {
        try {
            SdkBytes body = SdkBytes.fromByteArray(JSON.writeValueAsBytes(request));
            InvokeResponse response = lambda.invoke(r -> r.functionName(function.functionName()).qualifier(ALIAS)
                    .payload(body));
            String payload = response.payload().asUtf8String();
            if (response.functionError() != null) {
                throw new IllegalStateException("the Switchover function failed (" + response.functionError() + "): "
                        + payload);
            }
            return JSON.readValue(payload, new TypeReference<Map<String, Object>>() { });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package io.pgpilot.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.pgpilot.adapters.CloudFormationResponses;
import io.pgpilot.adapters.SecretValue;
import io.pgpilot.adapters.Secrets;
import io.pgpilot.runner.Log;
import io.pgpilot.tls.ClusterCa;
import java.time.Clock;
import java.util.Map;

/**
 * The cluster's CA, made once at deploy: a CloudFormation custom resource (Custom::PgpilotClusterCa,
 * properties SecretId and CommonName) whose Create and Update put a new CA into the secret when it
 * holds none yet (a secret CDK makes holds a generated password), and never replace one it has (every node's certificate is signed by it). A
 * Delete leaves the secret to its own resource. So the database nodes only read the CA secret.
 */
public final class ClusterCaHandler implements RequestHandler<Map<String, Object>, Void> {

    static final String TYPE = "Custom::PgpilotClusterCa";

    private final Secrets secrets;
    private final CloudFormationResponses responses;
    private final Clock clock;
    private final Log log;

    public ClusterCaHandler() {
        this(new Secrets(), new CloudFormationResponses(), Clock.systemUTC(), new Log(System.out, Clock.systemUTC()));
    }

    public ClusterCaHandler(Secrets secrets, CloudFormationResponses responses, Clock clock, Log log) {
        this.secrets = secrets;
        this.responses = responses;
        this.clock = clock;
        this.log = log;
    }

    @Override
    public Void handleRequest(Map<String, Object> request, Context context) {
        CustomResources.handle(request, TYPE, this::ensure, responses, log);
        return null;
    }

    /**
     * Whether the secret holds a CA. Anything else is replaced: CloudFormation gives a secret made
     * without a value a generated password, and nothing has signed a certificate with that.
     */
    private boolean holdsCa(String secretId) {
        if (!secrets.hasValue(secretId)) {
            return false;
        }
        SecretValue value = secrets.get(secretId);
        try {
            return value.field("key").contains("PRIVATE KEY") && value.field("certificate").contains("CERTIFICATE");
        } catch (IllegalStateException notACa) {
            return false;
        }
    }

    /** Puts a new CA into the secret unless it holds one; the secret is the resource. */
    private String ensure(Map<String, Object> properties, String requestId) {
        String secretId = Events.text(properties, "SecretId", TYPE);
        String commonName = Events.text(properties, "CommonName", TYPE);
        if (holdsCa(secretId)) {
            log.info("ca-kept", "secret", secretId);
            return secretId;
        }
        ClusterCa ca = ClusterCa.create(commonName, clock.instant());
        // The request id (a UUID) names the write: the same request again cannot put a second CA.
        secrets.put(secretId, Log.json(Map.of("key", ca.keyPem(), "certificate", ca.certificatePem())),
                requestId.length() >= 32 && requestId.length() <= 64 ? requestId : null);
        log.info("ca-made", "secret", secretId);
        return secretId;
    }
}

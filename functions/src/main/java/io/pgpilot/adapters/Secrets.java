package io.pgpilot.adapters;

import java.nio.charset.StandardCharsets;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;

/** Reads credentials by name from Secrets Manager, the same names the SSM documents read on the hosts. */
public final class Secrets {

    private final SecretsManagerClient secretsManager;

    public Secrets() {
        this(AwsClients.fromEnvironment(SecretsManagerClient.builder()));
    }

    public Secrets(SecretsManagerClient secretsManager) {
        this.secretsManager = secretsManager;
    }

    /** The current version of the secret named {@code name} (a name or an ARN). */
    public SecretValue get(String name) {
        AwsClients.requireText(name, "secret name");
        GetSecretValueResponse secret = secretsManager.getSecretValue(r -> r.secretId(name));
        String text = secret.secretString() != null ? secret.secretString()
                : secret.secretBinary().asString(StandardCharsets.UTF_8);
        return new SecretValue(name, text);
    }
}

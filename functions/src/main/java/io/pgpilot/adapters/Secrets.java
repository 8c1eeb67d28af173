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

    /** Whether the secret has a current value: one CloudFormation made without a value has none. */
    public boolean hasValue(String name) {
        AwsClients.requireText(name, "secret name");
        return secretsManager.describeSecret(r -> r.secretId(name)).versionIdsToStages().values().stream()
                .anyMatch(stages -> stages.contains("AWSCURRENT"));
    }

    /**
     * Makes {@code value} the secret's current value. {@code token} (32 to 64 characters, or null)
     * names the write: the same write again, as a retried request makes it, changes nothing.
     */
    public void put(String name, String value, String token) {
        AwsClients.requireText(name, "secret name");
        secretsManager.putSecretValue(r -> r.secretId(name).secretString(value).clientRequestToken(token));
    }
}

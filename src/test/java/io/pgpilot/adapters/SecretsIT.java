package io.pgpilot.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.pgpilot.lab.LabExtension;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

@ExtendWith(LabExtension.class)
class SecretsIT {

  @Test
  void givenASecret_whenReadByName_thenItsCurrentValueThatNoStringFormShows() {
    try (SecretsManagerClient client = Emulator.client(SecretsManagerClient.builder())) {
      String name = "pgpilot/" + Emulator.unique("probe");
      String value = UUID.randomUUID().toString();
      client.createSecret(r -> r.name(name).secretString("first-" + value));
      client.putSecretValue(r -> r.secretId(name).secretString(value));

      SecretValue secret = new Secrets(client).get(name);

      assertEquals(value, secret.reveal());
      assertEquals(name, secret.name());
      assertFalse(secret.toString().contains(value), secret::toString);
      client.deleteSecret(r -> r.secretId(name).forceDeleteWithoutRecovery(true));
    }
  }

  @Test
  void givenNoSuchSecret_whenRead_thenNotFound() {
    try (SecretsManagerClient client = Emulator.client(SecretsManagerClient.builder())) {
      assertThrows(ResourceNotFoundException.class, () -> new Secrets(client).get(Emulator.unique("pgpilot/absent")));
    }
  }
}

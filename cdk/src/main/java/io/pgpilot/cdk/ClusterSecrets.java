package io.pgpilot.cdk;

import io.pgpilot.core.ClusterNames;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.secretsmanager.SecretStringGenerator;
import software.constructs.Construct;

/**
 * The secrets a database tier makes for pgpilot, made alike whoever runs the nodes. Passwords
 * have no punctuation: they go into libpq conninfo strings and shell variables unquoted.
 */
final class ClusterSecrets {

  private static final int PASSWORD_LENGTH = 32;

  private ClusterSecrets() {
  }

  /**
   * The replication role's password as a plain string, named {@link ClusterNames#replicationSecret()}:
   * the documents' replicationSecret parameter defaults to that name.
   */
  static Secret replication(Construct scope, String cluster) {
    return Secret.Builder.create(scope, "ReplicationSecret")
        .secretName(new ClusterNames(cluster).replicationSecret())
        .description("pgpilot: password of the replication role (plain string, read by the SSM documents)")
        .generateSecretString(SecretStringGenerator.builder()
            .excludePunctuation(true).passwordLength(PASSWORD_LENGTH).build())
        .build();
  }

  /** A login {"username": user, "password"}. */
  static Secret login(Construct scope, String id, String user, String description) {
    return Secret.Builder.create(scope, id)
        .description(description)
        .generateSecretString(SecretStringGenerator.builder()
            .secretStringTemplate("{\"username\":\"" + user + "\"}")
            .generateStringKey("password")
            .excludePunctuation(true)
            .passwordLength(PASSWORD_LENGTH)
            .build())
        .build();
  }
}

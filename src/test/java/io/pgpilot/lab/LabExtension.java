package io.pgpilot.lab;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Brings the lab up once for the whole test run and, if this run started it, takes it down
 * at the end: after the last test class, or from a shutdown hook when the JVM is stopped. A lab
 * that was up but is no longer in its first shape (a drill failed it over) is recreated, so the
 * README's commands pass in the README's order.
 *
 * <p>AWS is reached through AWS_ENDPOINT_URL (`./pgpilot test` points it at the lab's moto
 * server). When it is unset and a Docker engine is available, LocalStack is started through
 * Testcontainers instead and the lab registers its instances there.
 */
public final class LabExtension implements BeforeAllCallback, ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(LabExtension.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    context.getRoot().getStore(NAMESPACE)
        .getOrComputeIfAbsent(Session.class, key -> Session.open(), Session.class);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == Lab.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return context.getRoot().getStore(NAMESPACE)
        .getOrComputeIfAbsent(Session.class, key -> Session.open(), Session.class).lab;
  }

  /** The lab for this test run; closing it takes down what the run started. */
  static final class Session implements AutoCloseable {
    private final Map<String, String> env = new HashMap<>();
    private Lab lab;
    private LocalStackContainer localstack;
    private Thread shutdownHook;

    static Session open() {
      Session session = new Session();
      session.start();
      return session;
    }

    private void start() {
      if (System.getenv("AWS_ENDPOINT_URL") == null) {
        startLocalStack();
      }
      lab = Lab.fromWorkingDirectory(env);
      Lab.Result up = lab.run("up");
      if (!up.ok()) {
        lab.run("down");
        stopLocalStack();
        throw new IllegalStateException("lab up failed:\n" + up.stdout() + up.stderr());
      }
      if (up.stdout().contains("already up") && !lab.inFirstShape()) {
        // A lab a drill or a failover left in another shape: the tests start from the first one.
        lab.recreate();
      }
      if (!up.stdout().contains("already up")) {
        shutdownHook = new Thread(() -> lab.run("down"), "pgpilot-lab-down");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
      }
    }

    private void startLocalStack() {
      if (!DockerClientFactory.instance().isDockerAvailable()) {
        throw new IllegalStateException("AWS_ENDPOINT_URL is unset and no Docker engine is available"
            + " for LocalStack: run the tests through ./pgpilot test, which points AWS_ENDPOINT_URL at"
            + " the lab's moto server");
      }
      localstack = new LocalStackContainer(DockerImageName.parse("localstack/localstack:latest"));
      String token = System.getenv("LOCALSTACK_AUTH_TOKEN");
      if (token != null) {
        localstack.withEnv("LOCALSTACK_AUTH_TOKEN", token);
      }
      localstack.start();
      String endpoint = localstack.getEndpoint().toString();
      env.put("PGPILOT_EMULATOR_ENDPOINT", endpoint);
      // The SDK reads these system properties as it reads AWS_ENDPOINT_URL and friends.
      System.setProperty("aws.endpointUrl", endpoint);
      System.setProperty("aws.region", localstack.getRegion());
      System.setProperty("aws.accessKeyId", localstack.getAccessKey());
      System.setProperty("aws.secretAccessKey", localstack.getSecretKey());
    }

    private void stopLocalStack() {
      if (localstack != null) {
        localstack.stop();
      }
    }

    @Override
    public void close() {
      if (shutdownHook != null) {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
        lab.run("down");
      }
      stopLocalStack();
    }
  }
}

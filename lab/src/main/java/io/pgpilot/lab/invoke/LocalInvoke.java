package io.pgpilot.lab.invoke;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.pgpilot.core.ClusterNames;
import io.pgpilot.lab.ssm.DocumentDeployer;
import io.pgpilot.lab.ssm.Emulator;
import io.pgpilot.lab.ssm.LabSsmService;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Runs one pgpilot Lambda handler locally against the lab, as `sam local invoke` would: the event
 * file is deserialized by the Lambda runtime's own serializers, the handler is built with its
 * no-argument constructor (clients from the environment, as in Lambda), and SSM is served by the
 * lab SSM service so documents really run on the lab hosts.
 * <pre>
 *   LocalInvoke FUNCTION --event FILE [--documents DIR]
 * </pre>
 * Exit status 0 when the handler returns (its result is printed as JSON), 1 when it throws.
 */
public final class LocalInvoke {

  /** The deployed functions by the names `./pgpilot invoke` (and `./pgpilot bench`) takes, in name order. */
  public static final SortedMap<String, String> FUNCTIONS = Collections.unmodifiableSortedMap(new TreeMap<>(Map.of(
      "instance-state", "io.pgpilot.handlers.InstanceStateHandler",
      "alarm", "io.pgpilot.handlers.AlarmHandler",
      "backup", "io.pgpilot.handlers.BackupHandler",
      "monitor", "io.pgpilot.handlers.MonitorHandler",
      "pgpool-sensor", "io.pgpilot.handlers.PgpoolSensorHandler",
      "switchover", "io.pgpilot.handlers.SwitchoverHandler")));

  private static final String USAGE = "usage: invoke FUNCTION --event FILE [--documents DIR]\n  functions: "
      + String.join(" ", FUNCTIONS.keySet());

  /** The longest a command the function left running is waited for: pgpilot-Backup's own timeout. */
  private static final Duration UNFINISHED_LIMIT = Duration.ofHours(4);

  private LocalInvoke() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 3 || !"--event".equals(args[1]) || !FUNCTIONS.containsKey(args[0])) {
      exit(2, USAGE);
    }
    Path event = Path.of(args[2]);
    if (!Files.isReadable(event)) {
      exit(2, "cannot read the event file " + event);
    }
    Path documents = args.length == 5 && "--documents".equals(args[3]) ? Path.of(args[4]) : null;
    URI emulator = URI.create(System.getenv().getOrDefault("AWS_ENDPOINT_URL", "http://127.0.0.1:45660"));
    String region = System.getenv().getOrDefault("AWS_REGION", "us-east-1");
    if (documents != null) {
      // The documents a deployment would have: CDK creates them from the same files.
      try (Emulator deployTo = new Emulator(emulator)) {
        DocumentDeployer.deploy(deployTo.ssm(region), documents, new ClusterNames(System.getenv("PGPILOT_CLUSTER")));
      }
    }
    try (LabSsmService ssm = new LabSsmService(0, emulator)) {
      // Only SSM goes to the lab service; every other client reads AWS_ENDPOINT_URL.
      System.setProperty("aws.endpointUrlSsm", ssm.start().toString());
      Object result = invoke(FUNCTIONS.get(args[0]), Files.readString(event));
      System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
          .findAndRegisterModules().writeValueAsString(result));
      if (!awaitUnfinished(ssm, "pgpilot invoke")) {
        exit(1, "pgpilot invoke: commands still ran after " + UNFINISHED_LIMIT.toHours() + " h: stopped");
      }
    } catch (InvocationTargetException e) {
      e.getCause().printStackTrace();
      exit(1, args[0] + " failed: " + e.getCause());
    }
    System.exit(0);  // the SDK's and the service's threads must not keep a finished invocation alive
  }

  /**
   * A command the function started and did not await (a backup) runs on: on AWS the agent runs it
   * to its end, so the lab's service stays until it ends, at most {@link #UNFINISHED_LIMIT}; false
   * when it did not end by then.
   */
  static boolean awaitUnfinished(LabSsmService ssm, String who) throws InterruptedException {
    int unfinished = ssm.unfinished();
    if (unfinished == 0) {
      return true;
    }
    System.err.println(who + ": " + unfinished + " command invocation(s) the function started still run on the lab's"
        + " hosts; waiting for them to end (at most " + UNFINISHED_LIMIT.toHours() + " h)");
    return ssm.awaitUnfinished(UNFINISHED_LIMIT);
  }

  /** Builds the handler and calls handleRequest(input, context) with the event as the runtime parses it. */
  static Object invoke(String handlerClass, String eventJson) throws Exception {
    Class<?> type = Class.forName(handlerClass);
    Method handle = Arrays.stream(type.getMethods())
        .filter(m -> m.getName().equals("handleRequest") && m.getParameterCount() == 2
            && m.getParameterTypes()[1] == Context.class && !m.isBridge())
        .findFirst()
        .orElseThrow(() -> new IllegalStateException(handlerClass + " has no handleRequest(input, Context)"));
    Class<?> inputType = handle.getParameterTypes()[0];
    Object input = LambdaEventSerializers.serializerFor(inputType, type.getClassLoader()).fromJson(eventJson);
    Object handler = type.getDeclaredConstructor().newInstance();
    return handle.invoke(handler, input, new LocalContext(handlerClass));
  }

  private static void exit(int status, String message) {
    System.err.println(message);
    System.exit(status);
  }
}

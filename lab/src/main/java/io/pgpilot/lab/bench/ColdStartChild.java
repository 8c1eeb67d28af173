package io.pgpilot.lab.bench;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import io.pgpilot.lab.invoke.LocalContext;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
* One cold start, in a JVM of its own that {@link ColdStart} starts with only the Lambda artifact,
* the runtime's serializers and these few harness classes on its classpath. It does what the Lambda
* runtime does on a cold start: loads the handler class, builds it with its no-argument constructor
* (the init phase), then deserializes the event with the runtime's own serializers and calls
* handleRequest once. It prints one line, {@value #RESULT} followed by JSON:
* <pre>
*   jvmMs    the JVM's start to main()
*   initMs   the JVM's start to the handler constructed
*   eventMs  handler constructed to handleRequest returned (the event's deserialization included)
*   deserializeMs  the part of eventMs spent deserializing the event
* </pre>
* The JVM's start is the moment the parent spawned it, passed as a System.nanoTime() value in
* {@value #SPAWNED}: on Linux nanoTime is CLOCK_MONOTONIC, one clock for every process of the
* machine. ProcessHandle's startInstant() is reported too (startInstantJvmMs), but on Linux it is
* derived from the boot time in whole seconds (/proc/stat btime), so it is off by up to a second.
* After the measurement the class {@link Done} is loaded: a -Xlog:class+load log lists before it
* the classes the first event needed.
* <pre>
*   ColdStartChild HANDLER_CLASS EVENT_FILE
* </pre>
*/
public final class ColdStartChild {

  static final String RESULT = "pgpilot-bench-result ";
  static final String SPAWNED = "pgpilot.bench.spawned";

  private ColdStartChild() {
  }

  public static void main(String[] args) throws Exception {
    long main = System.nanoTime();
    long spawned = Long.parseLong(System.getProperty(SPAWNED, Long.toString(main)));
    String eventJson = Files.readString(Path.of(args[1]), StandardCharsets.UTF_8);
    long constructed;
    long deserialized;
    long handled;
    Object outcome;
    try {
      // As the runtime does at init: load the handler class, find handleRequest, build the handler.
      Class<?> type = Class.forName(args[0]);
      Method handle = handleRequest(type);
      Object handler = type.getDeclaredConstructor().newInstance();
      constructed = System.nanoTime();
      new Constructed();
      Object input = LambdaEventSerializers.serializerFor(handle.getParameterTypes()[0], type.getClassLoader())
          .fromJson(eventJson);
      deserialized = System.nanoTime();
      outcome = handle.invoke(handler, input, new LocalContext(args[0]));
      handled = System.nanoTime();
    } catch (InvocationTargetException e) {
      e.getCause().printStackTrace();
      System.out.println(RESULT + "{\"error\":" + json(String.valueOf(e.getCause())) + "}");
      System.exit(1);
      return;
    }
    new Done();
    long startInstantMs = ProcessHandle.current().info().startInstant().map(Instant::toEpochMilli).orElse(-1L);
    long mainWallMs = System.currentTimeMillis() - (System.nanoTime() - main) / 1_000_000;
    System.out.println(RESULT + "{\"jvmMs\":" + ms(main - spawned)
        + ",\"initMs\":" + ms(constructed - spawned)
        + ",\"eventMs\":" + ms(handled - constructed)
        + ",\"deserializeMs\":" + ms(deserialized - constructed)
        + ",\"startInstantJvmMs\":" + (startInstantMs < 0 ? "null" : mainWallMs - startInstantMs)
        + ",\"action\":" + json(String.valueOf(field(outcome, "action")))
        + ",\"reason\":" + json(String.valueOf(field(outcome, "reason")))
        + ",\"java\":" + json(Runtime.version().toString()) + "}");
    System.exit(0);  // the SDK's threads must not keep a finished run alive
  }

  private static Method handleRequest(Class<?> type) {
    for (Method method : type.getMethods()) {
      if (method.getName().equals("handleRequest") && method.getParameterCount() == 2
          && method.getParameterTypes()[1] == Context.class && !method.isBridge()) {
        return method;
      }
    }
    throw new IllegalStateException(type.getName() + " has no handleRequest(input, Context)");
  }

  /** Loaded right after the handler is built: the class-load log's end-of-init mark. */
  static final class Constructed {
  }

  /** Loaded right after the first event: the class-load log's end-of-measurement mark. */
  static final class Done {
  }

  private static double ms(long nanos) {
    return Math.round(nanos / 100_000.0) / 10.0;
  }

  private static Object field(Object record, String name) {
    try {
      return record == null ? null : record.getClass().getMethod(name).invoke(record);
    } catch (ReflectiveOperationException e) {
      return null;
    }
  }

  private static String json(String text) {
    StringBuilder quoted = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      if (c == '"' || c == '\\') {
        quoted.append('\\').append(c);
      } else if (c < 0x20) {
        quoted.append(String.format("\\u%04x", (int) c));
      } else {
        quoted.append(c);
      }
    }
    return quoted.append('"').toString();
  }
}

package io.pgpilot.lab.ssm;

import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The lab's SSM endpoint. The emulator records SendCommand but runs nothing and always answers
 * Success; pgpilot's code reads the real status of a command from GetCommandInvocation. So this
 * service, on loopback, speaks SSM's JSON 1.1 protocol and serves Run Command itself, with real
 * execution on the lab hosts ({@link RunCommand}); every other SSM operation (CreateDocument,
 * GetDocument, DescribeDocument...) goes to the emulator as it came. Point only the SSM client
 * at it (AWS_ENDPOINT_URL_SSM, or the aws.endpointUrlSsm system property) and everything else at
 * the emulator.
 */
public final class LabSsmService implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(LabSsmService.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TARGET_PREFIX = "AmazonSSM.";
  private static final Set<String> SERVED = Set.of("SendCommand", "GetCommandInvocation", "ListCommandInvocations",
      "ListCommands", "CancelCommand");
  /** The region of a SigV4-signed request: Credential=KEY/DATE/REGION/ssm/aws4_request. */
  private static final Pattern REGION = Pattern.compile("Credential=[^/,]+/[0-9]{8}/([a-z0-9-]+)/");
  private static final String UNSIGNED_REGION = "us-east-1";
  /** Invocations running at once: the agent's own limit is per instance, the lab's is the machine's. */
  private static final int WORKERS = 16;
  private static final int HTTP_THREADS = 8;

  private final int port;
  private final Emulator emulator;
  private final Clock clock;
  private final Duration delivery;
  private HttpServer server;
  private ExecutorService http;
  private RunCommand runCommand;

  /** PORT on 127.0.0.1, 0 for any free one; EMULATOR: the AWS API emulator's endpoint. */
  public LabSsmService(int port, URI emulator) {
    this(port, emulator, Clock.systemUTC());
  }

  public LabSsmService(int port, URI emulator, Clock clock) {
    this(port, emulator, clock, Duration.ZERO);
  }

  /**
   * With {@code delivery}: each invocation starts that long after SendCommand, as Run Command's
   * delivery to an agent takes its time on AWS (the drill's --aws-latency); zero delivers at once.
   */
  public LabSsmService(int port, URI emulator, Clock clock, Duration delivery) {
    this.port = port;
    this.emulator = new Emulator(emulator);
    this.clock = clock;
    this.delivery = delivery;
  }

  /** Starts serving and returns the endpoint, e.g. http://127.0.0.1:41234. */
  public synchronized URI start() throws IOException {
    if (server != null) {
      throw new IllegalStateException("the lab SSM service is already started at " + uri());
    }
    runCommand = new RunCommand(emulator, new Targets(new LabHosts()),
        Executors.newFixedThreadPool(WORKERS, threads("lab-ssm-invocation")), clock, delivery);
    http = Executors.newFixedThreadPool(HTTP_THREADS, threads("lab-ssm-http"));
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    server.setExecutor(http);
    server.createContext("/", this::handle);
    server.start();
    LOG.log(INFO, "lab SSM service at {0}, in front of the emulator at {1}", uri(), emulator.endpoint());
    return uri();
  }

  public synchronized URI uri() {
    if (server == null) {
      throw new IllegalStateException("the lab SSM service is not started");
    }
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Invocations sent and not yet ended. */
  public synchronized int unfinished() {
    return runCommand == null ? 0 : runCommand.unfinished();
  }

  /** Waits up to {@code limit} for the invocations sent so far to end (no new ones are taken); true when all did. */
  public boolean awaitUnfinished(Duration limit) throws InterruptedException {
    RunCommand commands;
    synchronized (this) {
      commands = runCommand;
    }
    return commands == null || commands.awaitUnfinished(limit);
  }

  /** Stops serving; invocations still running are stopped as a cancel stops them. */
  @Override
  public synchronized void close() {
    if (server == null) {
      return;
    }
    server.stop(0);
    http.shutdown();
    runCommand.close();
    emulator.close();
    try {
      http.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server = null;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try {
      byte[] body = exchange.getRequestBody().readAllBytes();
      String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
      String operation = target != null && target.startsWith(TARGET_PREFIX) ? target.substring(TARGET_PREFIX.length())
          : null;
      if (!"POST".equals(exchange.getRequestMethod()) || operation == null || !SERVED.contains(operation)) {
        forward(exchange, body);
        return;
      }
      respond(exchange, 200, serve(operation, region(exchange), request(body)));
    } catch (SsmError e) {
      LOG.log(INFO, "refused: {0}: {1}", e.type(), e.getMessage());
      respond(exchange, 400, error(e.type(), e.getMessage()));
    } catch (Exception e) {
      LOG.log(WARNING, "failed: " + e, e);
      respond(exchange, 500, error("InternalServerError", e.toString()));
    } finally {
      exchange.close();
    }
  }

  private ObjectNode serve(String operation, String region, JsonNode request) {
    return switch (operation) {
      case "SendCommand" -> runCommand.sendCommand(region, request);
      case "GetCommandInvocation" -> runCommand.getCommandInvocation(request);
      case "ListCommandInvocations" -> runCommand.listCommandInvocations(request);
      case "ListCommands" -> runCommand.listCommands(request);
      case "CancelCommand" -> runCommand.cancelCommand(request);
      default -> throw new IllegalStateException("not served: " + operation);
    };
  }

  private void forward(HttpExchange exchange, byte[] body) throws IOException, InterruptedException {
    Emulator.Answer answer = emulator.forward(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
        exchange.getRequestHeaders(), body);
    answer.headers().forEach((name, values) -> exchange.getResponseHeaders().put(name, values));
    send(exchange, answer.status(), answer.body());
  }

  private static JsonNode request(byte[] body) {
    if (body.length == 0) {
      return JSON.createObjectNode();
    }
    try {
      JsonNode request = JSON.readTree(body);
      if (request == null || !request.isObject()) {
        throw new SsmError("SerializationException", "the request body is not a JSON object");
      }
      return request;
    } catch (IOException e) {
      throw new SsmError("SerializationException", "the request body is not valid JSON");
    }
  }

  /** Served per region as the emulator keeps its state per region; requests come signed by the SDK. */
  private static String region(HttpExchange exchange) {
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    Matcher m = REGION.matcher(authorization == null ? "" : authorization);
    return m.find() ? m.group(1) : UNSIGNED_REGION;
  }

  private static ObjectNode error(String type, String message) {
    return JSON.createObjectNode().put("__type", type).put("message", message);
  }

  private static void respond(HttpExchange exchange, int status, ObjectNode answer) throws IOException {
    byte[] body;
    try {
      body = JSON.writeValueAsBytes(answer);
    } catch (JsonProcessingException e) {
      throw new IOException("cannot write an answer", e);
    }
    exchange.getResponseHeaders().put("Content-Type", List.of("application/x-amz-json-1.1"));
    exchange.getResponseHeaders().put("x-amzn-RequestId", List.of(UUID.randomUUID().toString()));
    send(exchange, status, body);
  }

  private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private static ThreadFactory threads(String name) {
    AtomicInteger count = new AtomicInteger();
    return run -> {
      Thread thread = new Thread(run, name + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}

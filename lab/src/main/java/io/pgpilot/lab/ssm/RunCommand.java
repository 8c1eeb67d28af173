package io.pgpilot.lab.ssm;

import static java.lang.System.Logger.Level.INFO;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import software.amazon.awssdk.services.ssm.model.GetDocumentResponse;
import software.amazon.awssdk.services.ssm.model.SsmException;

/**
 * SSM Run Command with real execution: SendCommand runs the document as the emulator holds it on
 * the lab hosts its targets resolve to, each invocation on a bounded pool of workers, and
 * GetCommandInvocation, ListCommandInvocations, ListCommands and CancelCommand report and steer
 * what runs. The log names commands, documents, instances and statuses, never parameter values
 * or output: those may carry what an operator would not want in a log.
 */
final class RunCommand implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(RunCommand.class.getName());
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  /** SendCommand's TimeoutSeconds: how long an invocation may wait to be delivered, not how long it may run. */
  private static final int DEFAULT_DELIVERY_TIMEOUT = 3600;
  private static final int MIN_DELIVERY_TIMEOUT = 30;
  private static final int MAX_DELIVERY_TIMEOUT = 2_592_000;

  private final Emulator emulator;
  private final Targets targets;
  private final ExecutorService workers;
  private final Clock clock;
  private final Duration delivery;
  private final Map<String, Command> commands = new ConcurrentHashMap<>();

  RunCommand(Emulator emulator, Targets targets, ExecutorService workers, Clock clock, Duration delivery) {
    this.emulator = emulator;
    this.targets = targets;
    this.workers = workers;
    this.clock = clock;
    this.delivery = delivery;
  }

  /** Everything is checked before anything runs: the request, the document, its parameters, the targets. */
  ObjectNode sendCommand(String region, JsonNode json) {
    Command.Request request = request(json);
    SsmDocument document = document(region, request.documentName(), request.documentVersion());
    Map<String, String> values = resolve(document, request.parameters());
    List<SsmDocument.Step> steps;
    try {
      steps = document.render(values);
    } catch (IllegalArgumentException e) {
      throw new SsmError("InvalidDocument", "the lab cannot run " + document.name() + ": " + e.getMessage());
    }
    List<Targets.Target> resolved = targets.resolve(emulator.ec2(region), request.instanceIds(), request.targets());

    Instant now = clock.instant();
    Instant deliveryDeadline = now.plusSeconds(request.timeoutSeconds());
    // As SSM: a command expires once its delivery timeout and every step's execution timeout have passed.
    Instant expiresAfter = deliveryDeadline.plus(steps.stream().map(SsmDocument.Step::timeout)
        .reduce(Duration.ZERO, Duration::plus));
    List<CommandInvocation> invocations = resolved.stream()
        .map(t -> new CommandInvocation(t, now, deliveryDeadline)).toList();
    Command command = new Command(UUID.randomUUID().toString(), request, document, values, now, expiresAfter,
        invocations);
    commands.put(command.id(), command);
    LOG.log(INFO, "{0} {1} sent to {2} instance(s)", command.id(), document.name(), invocations.size());
    for (int i = 0; i < invocations.size(); i++) {
      CommandInvocation invocation = invocations.get(i);
      if (invocation.host().isPresent()) {
        invocation.submit(workers, () -> run(region, command, invocation));
      } else {
        LOG.log(INFO, "{0} {1} on {2}: Undeliverable: {3}", command.id(), document.name(), invocation.instanceId(),
            resolved.get(i).undeliverable());
      }
    }
    ObjectNode answer = JSON.objectNode();
    answer.set("Command", Shapes.command(command, now));
    return answer;
  }

  ObjectNode getCommandInvocation(JsonNode request) {
    String commandId = Members.text(request, "CommandId", true);
    String instanceId = Members.text(request, "InstanceId", true);
    String plugin = Members.text(request, "PluginName", false);
    Command command = commands.get(commandId);
    CommandInvocation invocation = command == null ? null : command.invocation(instanceId).orElse(null);
    if (invocation == null) {
      throw new SsmError("InvocationDoesNotExist", "no invocation of command " + commandId + " on " + instanceId);
    }
    if (plugin != null && !command.stepNames().contains(plugin)) {
      throw new SsmError("InvalidPluginName", command.request().documentName() + " has no step " + plugin
          + "; its steps: " + command.stepNames());
    }
    return Shapes.getCommandInvocation(command, invocation, plugin, clock.instant());
  }

  ObjectNode listCommandInvocations(JsonNode request) {
    Members.refuseFilters(request);
    String commandId = Members.text(request, "CommandId", false);
    String instanceId = Members.text(request, "InstanceId", false);
    boolean details = request.path("Details").asBoolean(false);
    Instant now = clock.instant();
    ObjectNode answer = JSON.objectNode();
    ArrayNode list = answer.putArray("CommandInvocations");
    newestFirst().filter(c -> commandId == null || c.id().equals(commandId))
        .forEach(c -> c.invocations().stream()
            .filter(i -> instanceId == null || i.instanceId().equals(instanceId))
            .forEach(i -> list.add(Shapes.invocation(c, i, details, now))));
    return answer;
  }

  ObjectNode listCommands(JsonNode request) {
    Members.refuseFilters(request);
    String commandId = Members.text(request, "CommandId", false);
    String instanceId = Members.text(request, "InstanceId", false);
    if (commandId != null && !commands.containsKey(commandId)) {
      throw new SsmError("InvalidCommandId", "no command " + commandId);
    }
    Instant now = clock.instant();
    ObjectNode answer = JSON.objectNode();
    ArrayNode list = answer.putArray("Commands");
    newestFirst().filter(c -> commandId == null || c.id().equals(commandId))
        .filter(c -> instanceId == null || c.invocation(instanceId).isPresent())
        .forEach(c -> list.add(Shapes.command(c, now)));
    return answer;
  }

  /** Pending invocations never run; running ones are stopped, their processes killed. */
  ObjectNode cancelCommand(JsonNode request) {
    String commandId = Members.text(request, "CommandId", true);
    List<String> instanceIds = Members.strings(request, "InstanceIds");
    Command command = commands.get(commandId);
    if (command == null) {
      throw new SsmError("InvalidCommandId", "no command " + commandId);
    }
    Instant now = clock.instant();
    command.invocations().stream()
        .filter(i -> instanceIds.isEmpty() || instanceIds.contains(i.instanceId()))
        .filter(i -> i.cancel(now))
        .forEach(i -> LOG.log(INFO, "{0} on {1}: cancel requested", commandId, i.instanceId()));
    return JSON.objectNode();
  }

  /** Invocations sent and not yet ended (waiting for their delivery, or running). */
  int unfinished() {
    ThreadPoolExecutor pool = (ThreadPoolExecutor) workers;
    return pool.getActiveCount() + pool.getQueue().size();
  }

  /**
   * Takes no more invocations and waits up to {@code limit} for those sent to end, as the agents
   * on AWS run a command to its end whoever sent it; true when all ended.
   */
  boolean awaitUnfinished(Duration limit) throws InterruptedException {
    workers.shutdown();
    return workers.awaitTermination(limit.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Running invocations are stopped as a cancel stops them. */
  @Override
  public void close() {
    workers.shutdownNow();
    try {
      workers.awaitTermination(15, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Command.Request request(JsonNode json) {
    int timeoutSeconds = Members.integer(json, "TimeoutSeconds", DEFAULT_DELIVERY_TIMEOUT);
    if (timeoutSeconds < MIN_DELIVERY_TIMEOUT || timeoutSeconds > MAX_DELIVERY_TIMEOUT) {
      throw SsmError.validation("TimeoutSeconds must be " + MIN_DELIVERY_TIMEOUT + " to " + MAX_DELIVERY_TIMEOUT
          + ", " + timeoutSeconds + " given");
    }
    String maxErrors = Members.text(json, "MaxErrors", "0");
    Command.checkMaxErrors(maxErrors);
    return new Command.Request(Members.text(json, "DocumentName", true),
        Members.text(json, "DocumentVersion", "$DEFAULT"), Members.parameters(json), Members.strings(json, "InstanceIds"), Members.targets(json),
        Members.text(json, "Comment", ""), timeoutSeconds, Members.text(json, "MaxConcurrency", "50"), maxErrors);
  }

  /** The values the agent gets; SendCommand takes a list per parameter, and these documents' parameters are Strings. */
  private static Map<String, String> resolve(SsmDocument document, Map<String, List<String>> parameters) {
    Map<String, String> given = new LinkedHashMap<>();
    parameters.forEach((name, values) -> {
      if (values.size() != 1) {
        throw SsmError.invalidParameters(document.name() + ": parameter " + name + " takes one value, "
            + values.size() + " given");
      }
      given.put(name, values.get(0));
    });
    try {
      return document.resolve(given);
    } catch (SsmDocument.InvalidParameters e) {
      throw SsmError.invalidParameters(e.getMessage());
    }
  }

  private void run(String region, Command command, CommandInvocation invocation) {
    try {
      Thread.sleep(delivery.toMillis());  // still Pending meanwhile, as an undelivered command is
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (!invocation.start(clock.instant())) {
      return;
    }
    String host = invocation.host().orElseThrow();
    LabSsmAgent agent = new LabSsmAgent(name -> document(region, name, "$DEFAULT"), clock);
    try {
      invocation.finish(agent.run(host, command.document(), command.values()), clock.instant());
    } catch (RuntimeException e) {
      invocation.fail(command.request().documentName() + " could not run on " + host + ": " + e.getMessage(),
          clock.instant());
    }
    CommandInvocation.View view = invocation.view(clock.instant());
    LOG.log(INFO, "{0} {1} on {2} ({3}): {4} ({5}), exit code {6}", command.id(), command.request().documentName(),
        host, invocation.instanceId(), view.status(), view.details(), view.responseCode());
  }

  /** The document as the emulator holds it, so that what runs is what is deployed. */
  private SsmDocument document(String region, String name, String version) {
    GetDocumentResponse found;
    try {
      // The emulator knows no "$DEFAULT" version: asking for none gets the default version.
      found = emulator.ssm(region).getDocument(r -> r.name(name).documentVersion(
          "$DEFAULT".equals(version) ? null : version));
    } catch (SsmException e) {
      throw new SsmError(e.awsErrorDetails().errorCode(), name + ": " + e.awsErrorDetails().errorMessage());
    }
    if (!"Command".equals(found.documentTypeAsString())) {
      throw new SsmError("InvalidDocument", name + " is a " + found.documentTypeAsString()
          + " document, not a Command");
    }
    try {
      return SsmDocument.parse(name, found.content());
    } catch (IllegalArgumentException e) {
      throw new SsmError("InvalidDocument", "the lab cannot run " + name + ": " + e.getMessage());
    }
  }

  private Stream<Command> newestFirst() {
    return commands.values().stream().sorted(Comparator.comparing(Command::requested).reversed());
  }
}

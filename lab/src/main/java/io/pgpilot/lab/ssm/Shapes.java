package io.pgpilot.lab.ssm;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgpilot.lab.ssm.LabSsmAgent.StepResult;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Commands and invocations in SSM's JSON shapes (Command, CommandInvocation, CommandPlugin,
 * GetCommandInvocation's answer). Timestamps are epoch seconds, as the JSON 1.1 protocol carries
 * them, but for GetCommandInvocation's Execution* members, which SSM gives as ISO 8601 strings.
 */
final class Shapes {

  /** A CommandPlugin's Output is the first 2,500 characters of its output and errors. */
  static final int PLUGIN_OUTPUT_LIMIT = 2_500;
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private Shapes() {
  }

  static ObjectNode command(Command command, Instant now) {
    Command.Request request = command.request();
    Command.Summary summary = command.summary(now);
    ObjectNode out = JSON.objectNode()
        .put("CommandId", command.id())
        .put("DocumentName", request.documentName())
        .put("DocumentVersion", request.documentVersion())
        .put("Comment", request.comment())
        .put("ExpiresAfter", seconds(command.expiresAfter()))
        .put("RequestedDateTime", seconds(command.requested()))
        .put("Status", summary.status())
        .put("StatusDetails", summary.details())
        .put("MaxConcurrency", request.maxConcurrency())
        .put("MaxErrors", request.maxErrors())
        .put("TargetCount", summary.targetCount())
        .put("CompletedCount", summary.completedCount())
        .put("ErrorCount", summary.errorCount())
        .put("DeliveryTimedOutCount", summary.deliveryTimedOutCount())
        .put("TimeoutSeconds", request.timeoutSeconds());
    ObjectNode parameters = out.putObject("Parameters");
    request.parameters().forEach((name, values) -> values.forEach(parameters.putArray(name)::add));
    request.instanceIds().forEach(out.putArray("InstanceIds")::add);
    ArrayNode targets = out.putArray("Targets");
    request.targets().forEach(t -> {
      ObjectNode target = targets.addObject().put("Key", t.key());
      t.values().forEach(target.putArray("Values")::add);
    });
    return out;
  }

  /** An entry of ListCommandInvocations; DETAILS adds the steps as CommandPlugins. */
  static ObjectNode invocation(Command command, CommandInvocation invocation, boolean details, Instant now) {
    CommandInvocation.View view = invocation.view(now);
    ObjectNode out = JSON.objectNode()
        .put("CommandId", command.id())
        .put("InstanceId", invocation.instanceId())
        .put("InstanceName", invocation.host().orElse(""))
        .put("Comment", command.request().comment())
        .put("DocumentName", command.request().documentName())
        .put("DocumentVersion", command.request().documentVersion())
        .put("RequestedDateTime", seconds(command.requested()))
        .put("Status", view.status().name())
        .put("StatusDetails", view.details())
        .put("StandardOutputUrl", "")
        .put("StandardErrorUrl", "");
    ArrayNode plugins = out.putArray("CommandPlugins");
    if (details) {
      plugins(command, view).forEach(plugins::add);
    }
    return out;
  }

  /** GetCommandInvocation's answer: the whole invocation, or one step of it when PLUGIN is named. */
  static ObjectNode getCommandInvocation(Command command, CommandInvocation invocation, String plugin, Instant now) {
    CommandInvocation.View view = invocation.view(now);
    StepResult step = plugin == null ? null
        : view.steps().stream().filter(s -> s.name().equals(plugin)).findFirst().orElse(null);
    List<String> steps = command.stepNames();
    String pluginName = plugin != null ? plugin : steps.size() == 1 ? steps.get(0) : null;
    Instant started = step != null ? step.started() : view.started();
    Instant ended = step != null ? step.ended() : view.ended();
    ObjectNode out = JSON.objectNode()
        .put("CommandId", command.id())
        .put("InstanceId", invocation.instanceId())
        .put("Comment", command.request().comment())
        .put("DocumentName", command.request().documentName())
        .put("DocumentVersion", command.request().documentVersion())
        .put("PluginName", pluginName)
        .put("ResponseCode", step != null ? step.exitCode() : view.responseCode())
        .put("ExecutionStartDateTime", started == null ? "" : iso(started))
        .put("ExecutionElapsedTime", started == null || ended == null ? ""
            : Duration.between(started, ended).truncatedTo(ChronoUnit.MILLIS).toString())
        .put("ExecutionEndDateTime", ended == null ? "" : iso(ended))
        .put("Status", step != null ? step.status().name() : view.status().name())
        .put("StatusDetails", step != null ? details(step) : view.details())
        .put("StandardOutputContent", step != null ? step.stdout() : view.stdout())
        .put("StandardOutputUrl", "")
        .put("StandardErrorContent", step != null ? step.stderr() : view.stderr())
        .put("StandardErrorUrl", "");
    out.putObject("CloudWatchOutputConfig").put("CloudWatchLogGroupName", "").put("CloudWatchOutputEnabled", false);
    return out;
  }

  /** The steps that ran, with their results; until the invocation ends, each step with its status. */
  private static List<ObjectNode> plugins(Command command, CommandInvocation.View view) {
    if (!view.steps().isEmpty()) {
      return view.steps().stream().map(s -> JSON.objectNode()
          .put("Name", s.name())
          .put("Status", s.status().name())
          .put("StatusDetails", details(s))
          .put("ResponseCode", s.exitCode())
          .put("ResponseStartDateTime", seconds(s.started()))
          .put("ResponseFinishDateTime", seconds(s.ended()))
          .put("Output", pluginOutput(s))
          .put("StandardOutputUrl", "")
          .put("StandardErrorUrl", "")).toList();
    }
    return command.stepNames().stream().map(name -> JSON.objectNode()
        .put("Name", name)
        .put("Status", view.status().name())
        .put("StatusDetails", view.details())
        .put("ResponseCode", view.responseCode())
        .put("Output", view.stderr())
        .put("StandardOutputUrl", "")
        .put("StandardErrorUrl", "")).toList();
  }

  private static String details(StepResult step) {
    return step.status() == LabSsmAgent.Status.TimedOut ? "Execution Timed Out" : step.status().name();
  }

  /** As the agent reports it: the output, then the errors under a separator line. */
  private static String pluginOutput(StepResult step) {
    String output = step.stderr().isEmpty() ? step.stdout()
        : step.stdout() + "\n----------ERROR-------\n" + step.stderr();
    return output.length() <= PLUGIN_OUTPUT_LIMIT ? output : output.substring(0, PLUGIN_OUTPUT_LIMIT);
  }

  private static BigDecimal seconds(Instant instant) {
    return BigDecimal.valueOf(instant.toEpochMilli(), 3);
  }

  private static String iso(Instant instant) {
    return instant.truncatedTo(ChronoUnit.MILLIS).toString();
  }
}

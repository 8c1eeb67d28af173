package io.pgpilot.lab.ssm;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A SendCommand as SSM keeps it: the request as sent, the document as it was when sent (a later
 * UpdateDocument does not change what runs), and one invocation per target instance.
 */
final class Command {

  /** The SendCommand members the lab keeps and reports back. */
  record Request(String documentName, String documentVersion, Map<String, List<String>> parameters,
      List<String> instanceIds, List<Targets.Spec> targets, String comment, int timeoutSeconds,
      String maxConcurrency, String maxErrors) {}

  /** The command's status over its invocations, and its counts, as ListCommands reports them. */
  record Summary(String status, String details, int targetCount, int completedCount, int errorCount,
      int deliveryTimedOutCount) {}

  private static final Pattern MAX_ERRORS = Pattern.compile("^([0-9]{1,7})(%?)$");

  private final String id;
  private final Request request;
  private final SsmDocument document;
  private final Map<String, String> values;
  private final Instant requested;
  private final Instant expiresAfter;
  private final List<CommandInvocation> invocations;
  private final List<String> stepNames;

  Command(String id, Request request, SsmDocument document, Map<String, String> values, Instant requested,
      Instant expiresAfter, List<CommandInvocation> invocations) {
    this.id = id;
    this.request = request;
    this.document = document;
    this.values = values;
    this.requested = requested;
    this.expiresAfter = expiresAfter;
    this.invocations = List.copyOf(invocations);
    this.stepNames = document.render(values).stream().map(SsmDocument.Step::name).toList();
  }

  /** MaxErrors as SendCommand takes it: a number or a percentage of the targets. */
  static void checkMaxErrors(String maxErrors) {
    if (!MAX_ERRORS.matcher(maxErrors).matches()) {
      throw SsmError.validation("MaxErrors must be a number or a percentage, e.g. 0 or 10%");
    }
  }

  String id() {
    return id;
  }

  Request request() {
    return request;
  }

  SsmDocument document() {
    return document;
  }

  Map<String, String> values() {
    return values;
  }

  Instant requested() {
    return requested;
  }

  Instant expiresAfter() {
    return expiresAfter;
  }

  /** The document's steps by name: the plugins of each invocation. */
  List<String> stepNames() {
    return stepNames;
  }

  List<CommandInvocation> invocations() {
    return invocations;
  }

  Optional<CommandInvocation> invocation(String instanceId) {
    return invocations.stream().filter(i -> i.instanceId().equals(instanceId)).findFirst();
  }

  /**
   * Pending until an invocation starts, InProgress until all finish; then Cancelled if any was,
   * Failed when more invocations failed or timed out in execution than MaxErrors allows, TimedOut
   * when as many missed their delivery, else Success ("Incomplete" when some did not succeed).
   * Undeliverable invocations count for neither, as in SSM.
   */
  Summary summary(Instant now) {
    List<CommandInvocation.View> views = invocations.stream().map(i -> i.view(now)).toList();
    int completed = (int) views.stream().filter(v -> v.status().finished()).count();
    int errors = (int) views.stream().filter(v -> (v.status() == CommandInvocation.Status.Failed
        && !v.details().equals(CommandInvocation.UNDELIVERABLE))
        || v.details().equals("Execution Timed Out")).count();
    int deliveryTimedOut = (int) views.stream().filter(v -> v.details().equals("Delivery Timed Out")).count();
    int successes = (int) views.stream().filter(v -> v.status() == CommandInvocation.Status.Success).count();
    int undeliverable = (int) views.stream().filter(v -> v.details().equals(CommandInvocation.UNDELIVERABLE)).count();
    int allowed = allowedErrors(views.size());
    String status;
    String details;
    if (views.stream().anyMatch(v -> v.status() == CommandInvocation.Status.Cancelling)) {
      status = details = "Cancelling";
    } else if (completed < views.size()) {
      boolean started = views.stream().anyMatch(v -> v.status() != CommandInvocation.Status.Pending);
      status = started ? "InProgress" : "Pending";
      details = started ? "In Progress" : "Pending";
    } else if (views.stream().anyMatch(v -> v.status() == CommandInvocation.Status.Cancelled)) {
      status = details = "Cancelled";
    } else if (errors > allowed) {
      status = details = "Failed";
    } else if (deliveryTimedOut > allowed) {
      status = "TimedOut";
      details = "Delivery Timed Out";
    } else {
      status = "Success";
      details = successes + undeliverable == views.size() ? "Success" : "Incomplete";
    }
    return new Summary(status, details, views.size(), completed, errors, deliveryTimedOut);
  }

  private int allowedErrors(int targets) {
    Matcher m = MAX_ERRORS.matcher(request.maxErrors());
    m.matches();
    int n = Integer.parseInt(m.group(1));
    return m.group(2).isEmpty() ? n : targets * n / 100;
  }
}

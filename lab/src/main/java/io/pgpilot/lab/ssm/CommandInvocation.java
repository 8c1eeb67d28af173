package io.pgpilot.lab.ssm;

import io.pgpilot.lab.ssm.LabSsmAgent.StepResult;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * One instance's copy of a command, as SSM tracks it: Pending until a worker takes it, InProgress
 * while the lab agent runs it, then Success, Failed, TimedOut or Cancelled. An instance the command
 * cannot reach is Failed/Undeliverable from the start; one still Pending when its delivery timeout
 * (SendCommand's TimeoutSeconds) passes is TimedOut/"Delivery Timed Out" and never runs.
 */
final class CommandInvocation {

  /** SSM's statuses of an invocation, the final ones last. */
  enum Status {
    Pending, InProgress, Cancelling, Success, Failed, TimedOut, Cancelled;

    boolean finished() {
      return ordinal() >= Success.ordinal();
    }
  }

  /** The invocation at one instant; RESPONSECODE is -1 until it has an exit code. */
  record View(Status status, String details, int responseCode, String stdout, String stderr,
      Instant started, Instant ended, List<StepResult> steps) {}

  /** SSM keeps the first 24,000 characters of each output; the lab keeps no more, however long it runs. */
  static final int OUTPUT_LIMIT = 24_000;
  static final String UNDELIVERABLE = "Undeliverable";

  private final String instanceId;
  private final Optional<String> host;
  private final Instant deliveryDeadline;
  private Status status;
  private String details;
  private int responseCode = -1;
  private String stdout = "";
  private String stderr = "";
  private List<StepResult> steps = List.of();
  private Instant started;
  private Instant ended;
  private Future<?> worker;

  CommandInvocation(Targets.Target target, Instant requested, Instant deliveryDeadline) {
    this.instanceId = target.instanceId();
    this.host = target.host();
    this.deliveryDeadline = deliveryDeadline;
    if (host.isPresent()) {
      status = Status.Pending;
      details = "Pending";
    } else {
      status = Status.Failed;
      details = UNDELIVERABLE;
      ended = requested;
    }
  }

  String instanceId() {
    return instanceId;
  }

  Optional<String> host() {
    return host;
  }

  /** Under this invocation's lock, so that a cancel never sees it started without its worker. */
  synchronized void submit(ExecutorService workers, Runnable run) {
    worker = workers.submit(run);
  }

  /** Whether the agent may run it now: not when it was cancelled or its delivery timeout passed. */
  synchronized boolean start(Instant now) {
    expire(now);
    if (status != Status.Pending) {
      return false;
    }
    status = Status.InProgress;
    details = "In Progress";
    started = now;
    return true;
  }

  synchronized void finish(LabSsmAgent.Invocation result, Instant now) {
    status = switch (result.status()) {
      case Success -> Status.Success;
      case Failed -> Status.Failed;
      case TimedOut -> Status.TimedOut;
      case Cancelled -> Status.Cancelled;
    };
    details = status == Status.TimedOut ? "Execution Timed Out" : status.name();
    responseCode = result.exitCode();
    steps = result.steps().stream().map(s -> new StepResult(s.name(), s.status(), s.exitCode(),
        truncate(s.stdout()), truncate(s.stderr()), s.started(), s.ended())).toList();
    stdout = truncate(result.stdout());
    stderr = truncate(result.stderr());
    ended = now;
  }

  /** The agent could not run the document (e.g. a nested document is missing): the step fails as on the agent. */
  synchronized void fail(String why, Instant now) {
    status = status == Status.Cancelling ? Status.Cancelled : Status.Failed;
    details = status.name();
    responseCode = 1;
    stderr = truncate(why + "\n");
    ended = now;
  }

  /** A pending invocation never runs; a running one is stopped, Cancelling until the agent has killed it. */
  synchronized boolean cancel(Instant now) {
    expire(now);
    if (status == Status.Pending) {
      status = Status.Cancelled;
      details = "Cancelled";
      ended = now;
      if (worker != null) {
        worker.cancel(false);
      }
      return true;
    }
    if (status == Status.InProgress) {
      status = Status.Cancelling;
      details = "Cancelling";
      worker.cancel(true);
      return true;
    }
    return false;
  }

  synchronized View view(Instant now) {
    expire(now);
    return new View(status, details, status.finished() ? responseCode : -1, stdout, stderr, started, ended, steps);
  }

  private void expire(Instant now) {
    if (status == Status.Pending && now.isAfter(deliveryDeadline)) {
      status = Status.TimedOut;
      details = "Delivery Timed Out";
      ended = deliveryDeadline;
      if (worker != null) {
        worker.cancel(false);
      }
    }
  }

  private static String truncate(String output) {
    return output.length() <= OUTPUT_LIMIT ? output : output.substring(0, OUTPUT_LIMIT);
  }
}

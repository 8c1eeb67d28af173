package io.pgpilot.lab.ssm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A command's status over its invocations, and an invocation's own life, as SSM reports them. */
class CommandTest {

  private static final SsmDocument DOCUMENT = SsmDocument.parse("pgpilot-test", """
      schemaVersion: '2.2'
      mainSteps:
        - action: aws:runShellScript
          name: step
          inputs:
            runCommand: [echo]
      """);
  private static final Instant SENT = Instant.parse("2026-01-01T00:00:00Z");
  private static final Instant DELIVERY_DEADLINE = SENT.plusSeconds(30);
  private static final Instant LATER = SENT.plusSeconds(5);

  @Test
  void givenTwoInvocations_thenTheCommandIsPendingUntilOneStartsAndInProgressUntilBothFinish() {
    CommandInvocation pg1 = deliverable("i-1");
    CommandInvocation pg2 = deliverable("i-2");
    Command command = command("0", pg1, pg2);
    assertEquals("Pending", command.summary(SENT).status());

    assertTrue(pg1.start(LATER));
    assertEquals("InProgress", command.summary(LATER).status());
    assertEquals("In Progress", command.summary(LATER).details());
    assertEquals(-1, pg1.view(LATER).responseCode(), "no exit code while it runs");

    pg1.finish(result(LabSsmAgent.Status.Success, 0), LATER);
    assertTrue(pg2.start(LATER));
    pg2.finish(result(LabSsmAgent.Status.Success, 0), LATER);
    Command.Summary done = command.summary(LATER);
    assertEquals(List.of("Success", "Success", 2, 2, 0), List.of(done.status(), done.details(), done.targetCount(),
        done.completedCount(), done.errorCount()));
  }

  @Test
  void givenOneFailedInvocation_thenTheCommandFailsUnlessMaxErrorsAllowsOne() {
    CommandInvocation failed = finished("i-1", LabSsmAgent.Status.Failed, 1);
    CommandInvocation succeeded = finished("i-2", LabSsmAgent.Status.Success, 0);

    assertEquals("Failed", command("0", failed, succeeded).summary(LATER).status());
    Command.Summary tolerated = command("1", failed, succeeded).summary(LATER);
    assertEquals("Success", tolerated.status());
    assertEquals("Incomplete", tolerated.details());
    assertEquals(1, tolerated.errorCount());
    assertEquals("Failed", command("49%", failed, succeeded).summary(LATER).status(), "49% of 2 allows none");
  }

  @Test
  void givenAStepThatTimedOut_thenItCountsAsAnErrorAndSaysExecutionTimedOut() {
    CommandInvocation timedOut = finished("i-1", LabSsmAgent.Status.TimedOut, LabSsmAgent.STOPPED_EXIT_CODE);

    assertEquals("Execution Timed Out", timedOut.view(LATER).details());
    assertEquals(LabSsmAgent.STOPPED_EXIT_CODE, timedOut.view(LATER).responseCode());
    assertEquals("Failed", command("0", timedOut).summary(LATER).status());
  }

  @Test
  void givenAnUndeliverableInvocation_thenItNeitherFailsTheCommandNorMakesItIncomplete() {
    CommandInvocation stopped = new CommandInvocation(new Targets.Target("i-1", Optional.empty(), "stopped"), SENT,
        DELIVERY_DEADLINE);
    CommandInvocation succeeded = finished("i-2", LabSsmAgent.Status.Success, 0);

    assertEquals(CommandInvocation.Status.Failed, stopped.view(SENT).status());
    assertEquals("Undeliverable", stopped.view(SENT).details());
    assertEquals(-1, stopped.view(SENT).responseCode());
    assertFalse(stopped.start(SENT), "it never runs");
    Command.Summary summary = command("0", stopped, succeeded).summary(LATER);
    assertEquals(List.of("Success", "Success", 0), List.of(summary.status(), summary.details(), summary.errorCount()));
  }

  @Test
  void givenAnInvocationNotStartedBeforeItsDeliveryTimeout_thenItNeverRunsAndTheCommandTimesOut() {
    CommandInvocation late = deliverable("i-1");
    Instant after = DELIVERY_DEADLINE.plusSeconds(1);

    assertEquals("Delivery Timed Out", late.view(after).details());
    assertEquals(CommandInvocation.Status.TimedOut, late.view(after).status());
    assertFalse(late.start(after));
    Command.Summary summary = command("0", late).summary(after);
    assertEquals(List.of("TimedOut", "Delivery Timed Out", 1, 0), List.of(summary.status(), summary.details(),
        summary.deliveryTimedOutCount(), summary.errorCount()));
  }

  @Test
  void givenAPendingInvocation_whenCancelled_thenItNeverRunsAndTheCommandIsCancelled() {
    CommandInvocation pending = deliverable("i-1");

    assertTrue(pending.cancel(LATER));
    assertFalse(pending.start(LATER));
    assertEquals("Cancelled", command("0", pending).summary(LATER).status());
    assertFalse(pending.cancel(LATER), "a finished invocation is not cancelled again");
  }

  @Test
  void givenAFinishedInvocation_thenItsOutputIsKeptToSsmsLimit() {
    CommandInvocation chatty = deliverable("i-1");
    chatty.start(LATER);
    chatty.finish(new LabSsmAgent.Invocation("pgpilot-test", "pg1", LabSsmAgent.Status.Success, 0,
        "x".repeat(30_000), "", List.of()), LATER);

    assertEquals(CommandInvocation.OUTPUT_LIMIT, chatty.view(LATER).stdout().length());
  }

  @Test
  void givenAMalformedMaxErrors_thenSendCommandIsRefused() {
    assertThrows(SsmError.class, () -> Command.checkMaxErrors("ten"));
  }

  private static CommandInvocation deliverable(String instanceId) {
    return new CommandInvocation(new Targets.Target(instanceId, Optional.of("pg1"), null), SENT, DELIVERY_DEADLINE);
  }

  private static CommandInvocation finished(String instanceId, LabSsmAgent.Status status, int exitCode) {
    CommandInvocation invocation = deliverable(instanceId);
    invocation.start(LATER);
    invocation.finish(result(status, exitCode), LATER);
    return invocation;
  }

  private static LabSsmAgent.Invocation result(LabSsmAgent.Status status, int exitCode) {
    return new LabSsmAgent.Invocation("pgpilot-test", "pg1", status, exitCode, "", "", List.of());
  }

  private static Command command(String maxErrors, CommandInvocation... invocations) {
    return new Command("c-1", new Command.Request("pgpilot-test", "$DEFAULT", Map.of(), List.of(), List.of(), "", 30,
        "50", maxErrors), DOCUMENT, Map.of(), SENT, DELIVERY_DEADLINE, List.of(invocations));
  }
}

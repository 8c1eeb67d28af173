package io.pgpilot.core.ports;

import io.pgpilot.core.Checks;
import java.util.Set;

/**
 * What one instance did with an SSM command, as GetCommandInvocation reports it.
 *
 * @param status        SSM's status: Success, Failed, TimedOut, Cancelled when finished; Pending,
 *                      InProgress, Delayed or Cancelling when the wait ended first
 * @param statusDetails SSM's detail as GetCommandInvocation words it, with spaces: e.g. "Delivery Timed Out",
 *                      "Execution Timed Out", "Undeliverable", "Terminated", "Invalid Platform", "Access Denied"
 *                      (the status, by contrast, is one word: TimedOut)
 * @param exitCode      the script's exit status; -1 when it has none (not run, or not yet finished)
 * @param stdout        standard output as SSM keeps it (the first 24,000 characters)
 */
public record CommandResult(String instanceId, String status, String statusDetails, int exitCode, String stdout,
                            String stderr) {

    private static final Set<String> FINISHED = Set.of("Success", "Failed", "TimedOut", "Cancelled");

    public CommandResult {
        Checks.requireText(instanceId, "instance id of a command result");
        Checks.requireText(status, "status of the command on " + instanceId);
        statusDetails = statusDetails == null ? "" : statusDetails;
        stdout = stdout == null ? "" : stdout;
        stderr = stderr == null ? "" : stderr;
    }

    /** Whether SSM reports a final status; false when our wait ended first. */
    public boolean finished() {
        return FINISHED.contains(status);
    }

    public boolean succeeded() {
        return status.equals("Success") && exitCode == 0;
    }

}

package io.pgpilot.core.ports;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Run Command: how every action on a host happens, the same documents an operator runs by hand. */
public interface Commands {

    /**
     * Sends {@code document} with {@code parameters} (values only, never a secret: parameters are
     * kept in the command history in clear; documents read credentials by name) and returns the
     * command id.
     */
    String send(String document, Map<String, String> parameters, CommandTarget target);

    /**
     * Waits for the command on each instance until it finishes or {@code timeout} passes, and
     * returns one result per instance in the order given; an unfinished one carries its last status.
     * The caller names the instances because tag targets are resolved by SSM, out of sight.
     */
    List<CommandResult> await(String commandId, List<String> instanceIds, Duration timeout);

    /**
     * The ids of the commands of {@code document} still running on {@code instanceId} (sent, not
     * yet finished): whether a long command that an earlier run left running, or an operator
     * started, still runs.
     */
    List<String> running(String document, String instanceId);

    default List<CommandResult> run(String document, Map<String, String> parameters, CommandTarget target,
                                    List<String> instanceIds, Duration timeout) {
        return await(send(document, parameters, target), instanceIds, timeout);
    }
}

package io.pgpilot.adapters;

import io.pgpilot.core.ClusterNames;
import io.pgpilot.core.ports.CommandResult;
import io.pgpilot.core.ports.CommandTarget;
import io.pgpilot.core.ports.Commands;
import io.pgpilot.core.ports.Instances;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.CommandInvocation;
import software.amazon.awssdk.services.ssm.model.GetCommandInvocationResponse;
import software.amazon.awssdk.services.ssm.model.InvocationDoesNotExistException;
import software.amazon.awssdk.services.ssm.model.SendCommandRequest;
import software.amazon.awssdk.services.ssm.model.Target;

/**
 * {@link Commands} on SSM Run Command: SendCommand, then GetCommandInvocation per instance with
 * bounded backoff; ListCommandInvocations for what still runs on an instance. Documents are named
 * by their files (pgpilot-PromoteStandby); what runs is the cluster's deployed copy
 * ({@link ClusterNames}), never another cluster's.
 */
public final class SsmCommands implements Commands {

    /**
     * SendCommand's delivery timeout, SSM's minimum. A command that cannot reach its host soon
     * must fail rather than run later: a promotion delivered minutes late to a host that comes
     * back would make a second primary. The document's own step timeout bounds the execution.
     */
    static final int DELIVERY_TIMEOUT_SECONDS = 30;
    static final Duration FIRST_POLL = Duration.ofMillis(100);
    static final Duration LONGEST_POLL = Duration.ofSeconds(2);

    private static final Set<String> WAITING = Set.of("Pending", "InProgress", "Delayed", "Cancelling");

    private final SsmClient ssm;
    private final ClusterNames names;

    public SsmCommands(ClusterNames names) {
        this(AwsClients.fromEnvironment(SsmClient.builder()), names);
    }

    public SsmCommands(SsmClient ssm, ClusterNames names) {
        this.ssm = ssm;
        this.names = names;
    }

    @Override
    public String send(String document, Map<String, String> parameters, CommandTarget target) {
        AwsClients.requireText(document, "document name");
        if (parameters == null || target == null) {
            throw new IllegalArgumentException("parameters and target of " + document + " are required (null given)");
        }
        Map<String, List<String>> values = new LinkedHashMap<>();
        parameters.forEach((name, value) -> {
            AwsClients.requireText(name, "parameter name");
            if (value == null) {
                throw new IllegalArgumentException("parameter " + name + " of " + document + " is missing (null)");
            }
            values.put(name, List.of(value));
        });
        SendCommandRequest.Builder request = SendCommandRequest.builder()
                .documentName(names.document(document))
                .parameters(values)
                .timeoutSeconds(DELIVERY_TIMEOUT_SECONDS);
        if (target.cluster() == null) {
            request.instanceIds(target.instanceIds());
        } else {
            // Tag targets are ANDed: the cluster, then the names within it.
            List<Target> targets = new ArrayList<>();
            targets.add(Target.builder().key("tag:" + Instances.CLUSTER_TAG).values(target.cluster()).build());
            if (!target.names().isEmpty()) {
                targets.add(Target.builder().key("tag:" + Instances.NAME_TAG).values(target.names()).build());
            }
            request.targets(targets);
        }
        return ssm.sendCommand(request.build()).command().commandId();
    }

    @Override
    public List<CommandResult> await(String commandId, List<String> instanceIds, Duration timeout) {
        AwsClients.requireText(commandId, "command id");
        if (instanceIds.isEmpty()) {
            throw new IllegalArgumentException("no instances to wait for on command " + commandId);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, CommandResult> results = new LinkedHashMap<>();
        instanceIds.forEach(id -> results.put(AwsClients.requireText(id, "instance id"),
                new CommandResult(id, "Pending", "", -1, "", "")));
        Duration pause = FIRST_POLL;
        while (true) {
            for (Map.Entry<String, CommandResult> entry : results.entrySet()) {
                if (!entry.getValue().finished()) {
                    entry.setValue(invocation(commandId, entry.getKey()));
                }
            }
            long left = deadline - System.nanoTime();
            if (results.values().stream().allMatch(CommandResult::finished) || left <= 0) {
                return List.copyOf(results.values());
            }
            sleep(Math.min(pause.toNanos(), left));
            pause = nextPause(pause);
        }
    }

    /**
     * ListCommandInvocations of the instance, every page, keeping {@code document}'s unfinished
     * ones. Selected by instance id alone, without Filters: the lab's SSM service serves none, and
     * SSM promises no order, so no page can be skipped. An instance's history is short (SSM keeps
     * 30 days of it), and this is asked only about a node out of service that does not stream.
     */
    @Override
    public List<String> running(String document, String instanceId) {
        AwsClients.requireText(document, "document name");
        AwsClients.requireText(instanceId, "instance id");
        String deployed = names.document(document);
        return ssm.listCommandInvocationsPaginator(r -> r.instanceId(instanceId)).commandInvocations().stream()
                .filter(i -> deployed.equals(i.documentName()) && WAITING.contains(i.statusAsString()))
                .map(CommandInvocation::commandId)
                .toList();
    }

    /**
     * Pauses between polls that grow by half, never longer than LONGEST_POLL: quick for fast commands,
     * gentle on the API. Not doubling: the poll that sees a command end can come as late as the last
     * pause after it ended, and doubling turned a promotion 0.1 s slower into one seen 0.8 s later.
     */
    static Duration nextPause(Duration pause) {
        Duration grown = pause.multipliedBy(3).dividedBy(2);
        return grown.compareTo(LONGEST_POLL) > 0 ? LONGEST_POLL : grown;
    }

    private CommandResult invocation(String commandId, String instanceId) {
        GetCommandInvocationResponse invocation;
        try {
            invocation = ssm.getCommandInvocation(r -> r.commandId(commandId).instanceId(instanceId));
        } catch (InvocationDoesNotExistException e) {
            // SSM creates invocations shortly after SendCommand (tag targets later still): not yet is not never.
            return new CommandResult(instanceId, "Pending", "InvocationDoesNotExist", -1, "", "");
        }
        String status = invocation.statusAsString();
        int exitCode = WAITING.contains(status) || invocation.responseCode() == null ? -1 : invocation.responseCode();
        return new CommandResult(instanceId, status, invocation.statusDetails(), exitCode,
                invocation.standardOutputContent(), invocation.standardErrorContent());
    }

    private static void sleep(long nanos) {
        try {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for an SSM command", e);
        }
    }
}

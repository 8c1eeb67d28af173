package io.pgpilot.workflow;

import io.pgpilot.core.Step;
import java.time.Duration;

/**
 * Rejoins a node that is out of service (tagged rebuild) as a standby of {@code upstream}: lift
 * pgpilot's fence, pgpilot-RebuildStandby with rewind=true (pg_rewind, else a base backup),
 * verified streaming by a fresh probe. A node that cannot rejoin is fenced again, so an unfenced
 * old primary never starts as a second primary; it stays tagged rebuild.
 */
final class Rejoin {

    private final FailoverWorkflow workflow;
    private final StepExecutor executor;
    private final Log log;

    Rejoin(FailoverWorkflow workflow, StepExecutor executor, Log log) {
        this.workflow = workflow;
        this.executor = executor;
        this.log = log;
    }

    /** Null when {@code node} streams from {@code upstream}; otherwise why not (it is fenced again). */
    String run(FailoverWorkflow.Run run, Inventory inventory, String node, String upstream) {
        Step.RebuildStandby rebuild = new Step.RebuildStandby(node, upstream);
        StepResult result;
        try {
            executor.unfence(inventory, node);
            result = executor.rebuild(inventory, rebuild, true);
        } catch (RuntimeException e) {
            result = new StepResult(rebuild, StepResult.Status.FAILED, e.getMessage(), Duration.ZERO);
        }
        workflow.record(run, result);
        if (result.status() == StepResult.Status.DONE) {
            return null;
        }
        try {
            executor.execute(inventory, new Step.Fence(node, Step.Fence.How.STOP_POSTGRES));
        } catch (RuntimeException e) {
            log.error("refence-failed", "cluster", inventory.cluster(), "node", node, "error", e.toString());
        }
        return result.detail();
    }
}

package io.pgpilot.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgpilot.aurora.AuroraEngine;
import io.pgpilot.core.Step;
import io.pgpilot.ec2.Ec2StepExecutor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * pg_auto_failover's rule: every goal the decisions can emit has something that executes it.
 * Here: every Step type has exactly one executor, the EC2 engine's, the Aurora engine's or the
 * runner's own, so a new Step fails this test until one executes it.
 */
class StepExecutorsTest {

    @Test
    void givenEveryPermittedStepType_whenTheExecutorsAreCounted_thenEachHasExactlyOne() {
        Map<String, List<String>> executors = new LinkedHashMap<>();
        for (Class<?> type : Step.class.getPermittedSubclasses()) {
            executors.put(type.getSimpleName(), new ArrayList<>());
        }
        Ec2StepExecutor.STEPS.forEach(t -> executors.get(t.getSimpleName()).add("Ec2StepExecutor"));
        AuroraEngine.STEPS.forEach(t -> executors.get(t.getSimpleName()).add("AuroraEngine"));
        PlanRunner.executes().forEach(t -> executors.get(t.getSimpleName()).add("PlanRunner"));

        executors.forEach((type, by) -> assertEquals(1, by.size(), type + " is executed by " + by));
    }
}

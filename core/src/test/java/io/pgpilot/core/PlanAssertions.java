package io.pgpilot.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

/** Shorthands for the planner's tests. */
final class PlanAssertions {

    /** Stands for any notification in an expected step list; its text is asserted separately. */
    static final Step NOTIFY = new Step.Notify("(any subject)", "(any message)");

    private PlanAssertions() {
    }

    static Plan plan(Decision decision) {
        return assertInstanceOf(Plan.class, decision, () -> "expected a plan, got " + decision);
    }

    static Refusal refusal(Decision decision) {
        return assertInstanceOf(Refusal.class, decision, () -> "expected a refusal, got " + decision);
    }

    static void assertSteps(List<Step> expected, Decision decision) {
        assertEquals(expected, normalized(plan(decision).steps()), () -> "reason: " + decision.reason());
    }

    static List<Step> normalized(List<Step> steps) {
        return steps.stream().map(step -> step instanceof Step.Notify ? NOTIFY : step).toList();
    }

    static void assertReasonMentions(Decision decision, String... phrases) {
        for (String phrase : phrases) {
            assertTrue(decision.reason().contains(phrase),
                    () -> "reason lacks \"" + phrase + "\": " + decision.reason());
        }
    }

    static Step.Notify notification(Decision decision) {
        return plan(decision).steps().stream().filter(Step.Notify.class::isInstance).map(Step.Notify.class::cast)
                .findFirst().orElseThrow(() -> new AssertionError("no notification in " + decision));
    }

    static Step publishHostsWithPrimary(Topology topology, String primary) {
        return new Step.PublishHosts(topology.hostsMap(primary));
    }

    static Step.RetagInstances retag(Object... nodeThenRole) {
        Map<String, Role> roles = new java.util.LinkedHashMap<>();
        for (int i = 0; i < nodeThenRole.length; i += 2) {
            roles.put((String) nodeThenRole[i], (Role) nodeThenRole[i + 1]);
        }
        return new Step.RetagInstances(roles);
    }
}

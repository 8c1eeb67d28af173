package io.pgpilot.core;

import java.util.List;
import java.util.function.Predicate;

/**
 * What a run has done so far, for a planner asked again within the run: how the cluster looked
 * when the run began (tags and observation), and every step executed since, in order. With it a converging request is
 * replayable: the same look and the same results give the same decision.
 *
 * @param topology the cluster as its tags were when the run began
 * @param first    the observation the run began with
 */
public record RunSoFar(Topology topology, ClusterObservation first, List<StepResult> results) {

    public RunSoFar {
        Checks.notNull(topology, "the run's first topology");
        Checks.notNull(first, "the run's first observation");
        results = Checks.list(results, "step results");
    }

    /** A run that has just begun. */
    public static RunSoFar start(Topology topology, ClusterObservation first) {
        return new RunSoFar(topology, first, List.of());
    }

    /** This run with {@code more} results after its own. */
    public RunSoFar with(List<StepResult> more) {
        List<StepResult> all = new java.util.ArrayList<>(results);
        all.addAll(more);
        return new RunSoFar(topology, first, all);
    }

    /** The last result of a step that {@code matches}, or null. */
    public StepResult last(Predicate<Step> matches) {
        for (int i = results.size() - 1; i >= 0; i--) {
            if (matches.test(results.get(i).step())) {
                return results.get(i);
            }
        }
        return null;
    }

    /** The last result that failed, of any step, or null. */
    public StepResult lastFailure() {
        for (int i = results.size() - 1; i >= 0; i--) {
            if (results.get(i).failed()) {
                return results.get(i);
            }
        }
        return null;
    }

    /** Whether a step that {@code matches} ran to DONE. */
    public boolean done(Predicate<Step> matches) {
        StepResult last = last(matches);
        return last != null && last.status() == StepResult.Status.DONE;
    }

    /** Whether a step that {@code matches} failed. */
    public boolean failed(Predicate<Step> matches) {
        StepResult last = last(matches);
        return last != null && last.failed();
    }
}

package io.pgpilot.runner;

/**
 * The run's hold on the cluster lease, for a step that waits longer than one command (a rebuild
 * awaited to its end): the runner renews the lease before every step, such a step between its
 * polls. The step knows nothing of where the lease is kept.
 */
@FunctionalInterface
public interface KeepAlive {

    /** Extends the run's lease; false when the run has lost it: someone else may act now, so the step stops. */
    boolean renew();
}

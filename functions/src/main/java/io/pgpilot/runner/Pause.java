package io.pgpilot.runner;

import java.time.Duration;

/** Waits between probes and polls. Injected with the clock, so tests run without waiting. */
@FunctionalInterface
public interface Pause {

    void sleep(Duration duration);

    /** Thread.sleep; an interrupt ends the run with an error rather than being swallowed. */
    static Pause real() {
        return duration -> {
            if (duration.isNegative() || duration.isZero()) {
                return;
            }
            try {
                Thread.sleep(duration.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting", e);
            }
        };
    }
}

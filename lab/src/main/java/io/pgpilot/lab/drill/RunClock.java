package io.pgpilot.lab.drill;

/** Milliseconds since a run began, from the monotonic clock: every time in a run's report is on it. */
final class RunClock {

  private final long origin = System.nanoTime();

  long nowMs() {
    return (System.nanoTime() - origin) / 1_000_000;
  }
}

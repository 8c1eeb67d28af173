package io.pgpilot.lab.drill;

import java.util.List;
import java.util.Map;

/**
 * One drill run, as the JSON report holds it. Times in milliseconds; phase times are what the
 * automation measured, except detection, which runs from the fault to the confirmed failure.
 *
 * @param rtoMs         fault → first commit sent after the fault and acknowledged through pgpool; null if none came
 * @param lostCommits   acknowledged commits missing on the primary afterwards (RPO)
 * @param readOutageMs  the longest time without a successful read through pgpool after the fault
 * @param whole         the cluster was whole again afterwards (one primary, every other node streaming from the
 *                      primary's timeline, pgpool writing): the next run starts from a sound cluster
 */
record RunResult(int run, String scenario, String target, String primaryBefore, String primaryAfter,
    String action, String reason, Long rtoMs, int ackedCommits, int lostCommits, List<Long> lostSample,
    long readOutageMs, int writeErrors, Map<String, Long> phases, long restoreMs, boolean whole, String wholeDetail) {

  boolean correct() {
    return lostCommits == 0 && rtoMs != null && whole;
  }
}

package io.pgpilot.lab.drill;

import java.util.List;
import java.util.Map;

/**
 * One drill run, as the JSON report holds it. Times in milliseconds; phase times are what the
 * automation measured, except detection, which runs from the fault to the confirmed failure.
 *
 * @param ha            what failed the cluster over: pgpilot, or a contender of --compare
 * @param action        pgpilot's outcome (COMPLETED, FAILED...); null for another contender
 * @param decisions     each of pgpilot's decisions after the fault, in order: "ACTION at +S s: reason"
 *                      (a refusal, then the failover once the cause is gone)
 * @param rankingProblem why a decision's candidate ranking was wrong (a candidate reported on another
 *                      timeline than the one the cluster was on, a tie not won by the synchronous
 *                      standby); null when it was right or there was none
 * @param rtoMs         fault → the acknowledgement that ended the longest write outage after it (through
 *                      pgpool); null when no commit was acknowledged after the fault
 * @param lostCommits   acknowledged commits missing on the primary afterwards (RPO); null when no node was primary
 * @param readOutageMs  the longest time without a successful read through pgpool after the fault
 * @param whole         pgpilot put the cluster back together (one primary, every other node streaming on its
 *                      timeline, pgpool writing), so the next run starts from a sound cluster; null for another
 *                      contender, whose next run starts from a fresh lab
 */
record RunResult(String ha, int run, String scenario, String target, String primaryBefore, String primaryAfter,
    String action, String reason, List<String> decisions, String rankingProblem, Long rtoMs, int ackedCommits, Integer lostCommits, List<Long> lostSample,
    long readOutageMs, int writeErrors, Map<String, Long> phases, long restoreMs, Boolean whole, String wholeDetail) {

  boolean correct() {
    return lostCommits != null && lostCommits == 0 && rtoMs != null && !Boolean.FALSE.equals(whole)
        && rankingProblem == null;
  }
}

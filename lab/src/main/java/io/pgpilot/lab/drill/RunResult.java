package io.pgpilot.lab.drill;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
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
 * @param steadyMs      fault → the first acknowledgement after the run's last write error (through pgpool): writes
 *                      back for good; above rtoMs when a later outage followed the longest; null when none came
 * @param lostCommits   acknowledged commits missing on the primary afterwards (RPO); null when no node was primary
 * @param maxWritableAtOnce the most database hosts that could acknowledge a commit at the same instant, from the
 *                      start of the run to the end of its repair (see {@link Writability}); must be at most 1
 * @param writableAtOnce when more than one could: which, and when (+S s from the fault); null otherwise
 * @param directCommits commits acknowledged to the direct writer, which writes to the first primary over its unix
 *                      socket (not through pgpool, so no partition cuts it); null when the run had none
 * @param lostAfterPromotion of those, acknowledged after another node became writable (the promotion) and missing
 *                      on the final primary: commits that a fenced primary must never have acknowledged; must be 0
 * @param lostBeforePromotion the direct commits acknowledged before the promotion and missing on the final primary:
 *                      with asynchronous replication, what the promise table allows to be lost; reported, not judged
 * @param readOutageMs  the longest time without a successful read through pgpool after the fault
 * @param writesAfterPathBackMs pgpool-blip: from the return of pgpool's path to the primary to the acknowledgement
 *                      that ended the write outage (rtoMs less the cut); null in other scenarios
 * @param archiveLagAtFault how far the WAL archive was behind the primary just before the fault; null when it
 *                      does not archive
 * @param pitr          pitr: the point-in-time restore after the failover and what it held; null in other scenarios
 * @param whole         pgpilot put the cluster back together (one primary, every other node streaming on its
 *                      timeline, pgpool writing), so the next run starts from a sound cluster; null for another
 *                      contender, whose next run starts from a fresh lab
 * @param expectationProblem how the run fell short of its scenario's expectations (one promotion, none, a cut-off
 *                      recorded...) or the sampler could not vouch for the run; null when it did not
 */
record RunResult(String ha, int run, String scenario, String target, String primaryBefore, String primaryAfter,
    Integer timelineBefore, Integer timelineAfter, String action, String reason, List<String> decisions,
    String rankingProblem, Long rtoMs, Long steadyMs, int ackedCommits, Integer lostCommits, List<Long> lostSample,
    Integer maxWritableAtOnce, String writableAtOnce, Integer directCommits, Integer lostAfterPromotion,
    Integer lostBeforePromotion, List<Long> lostAfterPromotionSample, long readOutageMs, int writeErrors,
    Long writesAfterPathBackMs,
    Map<String, Long> phases, long restoreMs, Boolean whole, String wholeDetail, String expectationProblem,
    ArchiveLag archiveLagAtFault, Pitr.Result pitr) {

  boolean correct() {
    return violations().isEmpty();
  }

  /** Why the run is not {@link #correct}, in a few words each; empty when it is. In the JSON report too. */
  @JsonProperty("violations")
  List<String> violations() {
    List<String> found = new ArrayList<>();
    if (lostCommits == null) {
      found.add("no primary to count the commits on");
    } else if (lostCommits > 0) {
      found.add(lostCommits + " acknowledged commits lost");
    }
    if (rtoMs == null) {
      found.add("writes through pgpool did not come back");
    }
    if (Boolean.FALSE.equals(whole)) {
      found.add("not whole afterwards: " + wholeDetail);
    }
    if (rankingProblem != null) {
      found.add("ranking: " + rankingProblem);
    }
    if (maxWritableAtOnce == null || maxWritableAtOnce > 1) {
      found.add(maxWritableAtOnce == null ? "writability not sampled"
          : maxWritableAtOnce + " hosts could acknowledge a commit at once: " + writableAtOnce);
    }
    if (lostAfterPromotion != null && lostAfterPromotion > 0) {
      found.add(lostAfterPromotion + " direct commits acknowledged after the promotion lost");
    }
    if (expectationProblem != null) {
      found.add(expectationProblem);
    }
    if (pitr != null && !pitr.correct()) {
      found.add(pitr.violation());
    }
    return found;
  }
}

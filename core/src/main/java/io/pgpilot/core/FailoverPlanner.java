package io.pgpilot.core;

import io.pgpilot.core.Step.Fence;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decides what to do about a cluster from what was observed of it: a {@link Plan} of steps, or a
 * {@link Refusal}, each with its reason. Pure: no I/O and no clock, so any state, including every
 * intermediate state of an interrupted transition, can be replayed in a test.
 *
 * <ul>
 *   <li>Exactly one in-service node accepts writes: it is the primary; converge the rest on it
 *       (fence an old primary that is not stopped, re-point, synchronous standbys or, with
 *       asynchronous replication, none; publish, retag).</li>
 *   <li>Several do (split brain): keep the one on the newest timeline, else the tagged primary,
 *       fence the others, promote nothing.</li>
 *   <li>None does: fail over from the tagged primary once its failure is confirmed, to the
 *       answering standby on the newest timeline that has received the most WAL (the synchronous
 *       one among equals). With synchronous replication only a standby known to hold every
 *       acknowledged commit is promoted ({@link AcknowledgedCommits}); in either mode only one
 *       within the RPO guard of the furthest known position, the primary record's included. Otherwise
 *       refuse, with an alert that says which node holds the commits and what an operator can do;
 *       force overrides both and says what is lost.</li>
 * </ul>
 * A node tagged rebuild that accepts writes is never kept: it is an old primary come back, and it
 * is fenced. A node whose answer is not believed (another database, unreadable readings) is
 * excluded from all of this, and alerted.
 */
public final class FailoverPlanner {

    private final FailoverPolicy policy;

    public FailoverPlanner(FailoverPolicy policy) {
        this.policy = Checks.notNull(policy, "failover policy");
    }

    public Decision decide(Topology topology, ClusterObservation observation) {
        return decide(topology, observation, null);
    }

    /**
     * As {@link #decide(Topology, ClusterObservation)}; {@code headline}, when not null, is what a
     * plan that keeps a writable node announces (a switchover's completion).
     */
    Decision decide(Topology topology, ClusterObservation observation, String headline) {
        ClusterView view = new ClusterView(topology, observation, policy.confirmationProbes());
        Decision decision = decide(view, headline);
        return decision instanceof Plan plan ? plan.alerting(view.alerts())
                : ((Refusal) decision).alerting(view.alerts());
    }

    private Decision decide(ClusterView view, String headline) {
        Topology topology = view.topology;
        List<String> writable = view.writable();
        List<String> keepable = writable.stream().filter(n -> view.tag(n) != Role.REBUILD).toList();
        if (keepable.size() > 1) {
            return splitBrain(view, writable, keepable);
        }
        if (keepable.size() == 1) {
            return keep(view, keepable.get(0), writable, new ArrayList<>(), headline);
        }
        Optional<Topology.Node> tagged = topology.primary();
        if (tagged.isEmpty()) {
            return new Refusal("no node accepts writes and none is tagged primary, so there is no failed primary"
                    + " to replace" + roguesNote(writable) + "; tag the intended primary and run again");
        }
        Decision failover = failover(view, tagged.get().name(), writable);
        if (failover instanceof Refusal refusal && !writable.isEmpty()) {
            return fenceOnly(view, tagged.get().name(), writable, refusal);
        }
        return failover;
    }

    private Decision splitBrain(ClusterView view, List<String> writable, List<String> keepable) {
        int newest = keepable.stream().mapToInt(n -> view.now(n).timeline()).max().orElseThrow();
        List<String> onNewest = keepable.stream().filter(n -> view.now(n).timeline() == newest).toList();
        String tagged = view.topology.primary().map(Topology.Node::name).orElse(null);
        String keep;
        String why;
        if (onNewest.size() == 1) {
            keep = onNewest.get(0);
            why = "split brain: " + keepable + " all accept writes; keeping " + keep + ", on the newest timeline "
                    + newest + ", fencing the others and promoting nothing";
        } else if (onNewest.contains(tagged)) {
            keep = tagged;
            why = "split brain: " + keepable + " all accept writes, " + onNewest + " on timeline " + newest
                    + "; keeping " + keep + ", the tagged primary, fencing the others and promoting nothing";
        } else {
            return new Refusal("split brain: " + onNewest + " all accept writes on timeline " + newest
                    + " and none is the tagged primary, so pgpilot cannot tell which history to keep;"
                    + " fence all but one by hand and run again");
        }
        List<String> fenced = writable.stream().filter(n -> !n.equals(keep)).toList();
        return keep(view, keep, writable, new ArrayList<>(List.of(why)),
                "split brain, kept " + keep + ", fenced " + String.join(", ", fenced));
    }

    /**
     * {@code primary} already accepts writes: every other writable node, and a tagged primary that
     * neither answers nor is stopped, is fenced.
     */
    private Plan keep(ClusterView view, String primary, List<String> writable, List<String> why, String headline) {
        Map<String, Fence.How> fences = new LinkedHashMap<>();
        Set<String> retired = new LinkedHashSet<>();
        String old = view.topology.primary().map(Topology.Node::name).filter(n -> !n.equals(primary)).orElse(null);
        if (old != null) {
            why.add(primary + " already accepts writes (timeline " + view.now(primary).timeline()
                    + ") while " + old + " is tagged primary: completing the transition to " + primary);
        }
        for (String node : writable) {
            if (!node.equals(primary)) {
                // It answers, so stopping PostgreSQL ends its writes at once;
                // stopping the instance would leave it writing for tens of seconds.
                fences.put(node, Fence.How.STOP_POSTGRES);
                retired.add(node);
                String outOfService = view.tag(node) == Role.REBUILD ? " although it was taken out of service" : "";
                why.add(node + " accepts writes too" + outOfService + " (timeline " + view.now(node).timeline()
                        + "): fencing it by stopping PostgreSQL");
            }
        }
        if (old != null && !view.now(old).reachable()) {
            retired.add(old);
            Ec2State ec2 = view.ec2(old);
            if (ec2.isStopped()) {
                why.add(old + " stays out of service: its instance is " + ec2.awsName());
            } else {
                // Another node already writes: waiting for the stop would hold back the rest, not the damage.
                fences.put(old, Fence.How.STOP_INSTANCE_UNAWAITED);
                why.add(old + " does not answer and its instance is " + ec2.awsName() + ": stopping it so it can"
                        + " never come back as a second primary");
            }
        }
        if (old != null && headline == null) {
            headline = "primary is " + primary + ", transition from " + old + " completed";
        }
        return new Convergence(view, policy, primary, false, fences, retired, why, headline).plan();
    }

    /**
     * Only {@code rogues} (tagged rebuild) accept writes: replace {@code old} once its failure is
     * confirmed, by the best answering standby, provided that it holds every acknowledged commit
     * (synchronous replication) and is within the RPO guard of the furthest known position.
     */
    private Decision failover(ClusterView view, String old, List<String> rogues) {
        if (view.now(old).reachable()) {
            String excluded = view.excluded(old);
            return new Refusal(excluded != null
                    ? "no failover of " + old + ": it answers, although " + excluded + "; pgpilot promotes nothing"
                            + " while " + old + " answers"
                    : old + " answers but is in recovery (read-only) and no node accepts writes: a demotion"
                            + " or switchover did not finish; pgpilot promotes nothing while " + old + " answers");
        }
        ClusterView.Verdict verdict = view.down(old);
        if (!verdict.down()) {
            return new Refusal("no failover of " + old + ": " + verdict.why());
        }
        List<String> why = new ArrayList<>();
        why.add(old + " has failed: " + verdict.why());
        if (view.identityProblem() != null) {
            return stuck(view, old, why.get(0) + "; but " + view.identityProblem() + "; record the cluster's identity"
                    + " or fix the nodes that are not copies of it, then run again");
        }
        List<String> candidates = view.topology.names().stream()
                .filter(n -> view.now(n).standby() && view.tag(n) == Role.STANDBY && view.excluded(n) == null)
                .sorted(Comparator.<String>comparingInt(n -> view.now(n).timeline()).reversed()
                        .thenComparing(n -> view.now(n).position(), Comparator.reverseOrder())
                        .thenComparing(n -> !view.wasSynchronous(n)))
                .toList();
        if (candidates.isEmpty()) {
            return stuck(view, old, why.get(0) + "; but no standby in service answers, so there is nothing to"
                    + " promote; bring a standby back or restore " + old);
        }
        String candidate = candidates.get(0);
        why.add(candidateReason(view, candidate, candidates));
        boolean synchronous = policy.replication() == FailoverPolicy.Replication.SYNCHRONOUS;
        boolean primaryCounts = true;
        List<String> confirmers = List.of();
        if (synchronous) {
            AcknowledgedCommits acknowledged = new AcknowledgedCommits(view, old);
            confirmers = acknowledged.confirmers();
            AcknowledgedCommits.Verdict holds = acknowledged.judge(candidate);
            if (!holds.holdsAll() && !policy.force()) {
                return stuck(view, old, why.get(0) + "; refusing to promote " + candidate + ": " + holds.why()
                        + ". Synchronous replication promises that no acknowledged commit is lost, so pgpilot"
                        + " promotes nothing and tries again at the next trigger. What an operator can do: bring back"
                        + " the path to " + acknowledged.holders() + ", and pgpilot promotes the standby that holds"
                        + " the commits; or bring " + old + " back; or run with force to promote " + candidate
                        + ": " + acknowledged.lossNote(candidate));
            }
            why.add(holds.holdsAll() ? holds.why()
                    : "FORCED: " + holds.why() + "; " + acknowledged.lossNote(candidate));
            // Commits beyond what the confirmers had were never acknowledged: only they count below.
            primaryCounts = acknowledged.confirmers().isEmpty();
        }
        Guard guard = rpoGuard(view, candidate, primaryCounts, synchronous);
        if (guard.exceeded()) {
            if (!policy.force()) {
                return stuck(view, old, why.get(0) + "; refusing to promote " + candidate + ": " + guard.note()
                        + "; run again with force to promote it and lose that WAL, or bring " + old + " back");
            }
            why.add("FORCED: " + guard.note() + "; that WAL is lost");
        } else {
            why.add(guard.note());
        }
        Map<String, Fence.How> fences = new LinkedHashMap<>();
        Ec2State ec2 = view.ec2(old);
        if (ec2.isStopped()) {
            why.add("nothing to fence: the instance of " + old + " is " + ec2.awsName());
        } else {
            // It does not answer, so only the EC2 API can stop it; it must not write once the candidate is promoted.
            fences.put(old, instanceFence(view, old, candidate, synchronous, confirmers, why));
        }
        for (String rogue : rogues) {
            fences.put(rogue, Fence.How.STOP_POSTGRES);
            why.add(rogue + " accepts writes although it was taken out of service: fencing it by stopping PostgreSQL");
        }
        Set<String> retired = new LinkedHashSet<>(rogues);
        retired.add(old);
        return new Convergence(view, policy, candidate, true, fences, retired, why,
                "failover from " + old + " to " + candidate).plan();
    }

    /**
     * How a failed primary that does not answer is fenced: its instance is stopped, and the
     * promotion waits until EC2 reports it stopped unless the primary cannot acknowledge a commit
     * any more once {@code candidate} is promoted. With synchronous replication it cannot when no
     * standby that could confirm its commits, other than the candidate (whose promotion ends its
     * stream), still streams from it; with asynchronous replication it always can, to any client
     * that still reaches it.
     */
    private static Fence.How instanceFence(ClusterView view, String old, String candidate, boolean synchronous,
                                           List<String> confirmers, List<String> why) {
        String stopping = "fencing " + old + " first by stopping its instance (EC2 state " + view.ec2(old).awsName()
                + ")";
        if (!synchronous) {
            why.add(stopping + ", and promoting only once EC2 reports it stopped: with asynchronous replication it"
                    + " acknowledges commits by itself until then");
            return Fence.How.STOP_INSTANCE;
        }
        List<String> stillConfirming = confirmers.stream()
                .filter(n -> !n.equals(candidate) && view.now(n).streamsFrom(old)).toList();
        if (confirmers.isEmpty() || !stillConfirming.isEmpty()) {
            why.add(stopping + ", and promoting only once EC2 reports it stopped: "
                    + (confirmers.isEmpty() ? "it named no synchronous standby, so it acknowledges commits by itself"
                            : String.join(", ", stillConfirming) + " still stream" + (stillConfirming.size() == 1
                                    ? "s" : "") + " from it and could confirm its commits")
                    + " until then");
            return Fence.How.STOP_INSTANCE;
        }
        why.add(stopping + "; the promotion need not wait for it to stop: once " + candidate + " is promoted no"
                + " standby can confirm a commit of " + old + " (its synchronous standbys: "
                + String.join(", ", confirmers) + ")");
        return Fence.How.STOP_INSTANCE_UNAWAITED;
    }

    /** Whether a candidate is further behind than the RPO guard allows, and by how much. */
    private record Guard(boolean exceeded, String note) {
    }

    /**
     * The RPO guard: how far {@code candidate} is behind the furthest position known on its
     * timeline (the primary record's included). A record on a newer timeline than the candidate's
     * means it lacks everything written since: beyond any guard.
     */
    private Guard rpoGuard(ClusterView view, String candidate, boolean primaryCounts, boolean synchronous) {
        NodeObservation seen = view.now(candidate);
        PrimaryRecord record = view.record();
        if (record != null && record.timeline() > seen.timeline()) {
            return new Guard(true, candidate + " is on timeline " + seen.timeline() + " but " + record.primary()
                    + " was recorded on timeline " + record.timeline() + " at " + record.at() + ", so " + candidate + " lacks"
                    + " everything written since that timeline began, beyond the RPO guard of "
                    + policy.rpoGuardBytes() + " bytes");
        }
        ClusterView.Position best = view.bestKnown(seen.timeline(), primaryCounts);
        long behind = best == null ? 0 : Math.max(0, best.lsn().bytesAfter(seen.position()));
        String lag = best == null ? candidate + " is the furthest position known on timeline " + seen.timeline()
                : candidate + " is " + behind + " bytes behind the best known position " + best.lsn() + " ("
                        + best.source() + ")";
        if (behind > policy.rpoGuardBytes()) {
            return new Guard(true, lag + ", more than the RPO guard of " + policy.rpoGuardBytes() + " bytes");
        }
        return new Guard(false, lag + ", within the RPO guard of " + policy.rpoGuardBytes() + " bytes"
                + (synchronous ? "" : " (asynchronous replication: commits the primary acknowledged after its last"
                        + " record and no standby received are lost too)"));
    }

    /**
     * A confirmed failure that pgpilot will not act on: the cluster has no primary until a node
     * returns or an operator acts, so the refusal is also an alert.
     */
    private static Refusal stuck(ClusterView view, String old, String reason) {
        return new Refusal(reason, List.of(new Alert("failover-refused:" + old, "pgpilot " + view.topology.cluster()
                + ": " + old + " has failed and pgpilot refuses to promote", reason)));
    }

    private static String candidateReason(ClusterView view, String candidate, List<String> candidates) {
        String ranking = candidates.stream()
                .map(n -> n + " " + view.now(n).position() + " on timeline " + view.now(n).timeline()
                        + (view.wasSynchronous(n) ? " (synchronous)" : ""))
                .collect(Collectors.joining(", "));
        String reason = "promoting " + candidate + ", the answering standby that has received the most WAL: " + ranking;
        Lsn position = view.now(candidate).position();
        for (String other : candidates) {
            if (other.equals(candidate)) {
                continue;
            }
            Lsn otherPosition = view.now(other).position();
            boolean sameTimeline = view.now(other).timeline() == view.now(candidate).timeline();
            if (view.wasSynchronous(other) && sameTimeline && position.isAfter(otherPosition)) {
                reason += "; it is " + position.bytesAfter(otherPosition) + " bytes ahead of the synchronous standby "
                        + other + ", and the furthest position loses the least data";
            } else if (view.wasSynchronous(candidate) && sameTimeline && position.equals(otherPosition)) {
                reason += "; " + other + " has received as much, and the synchronous standby is preferred among equals";
            }
        }
        return reason;
    }

    /** The failover is refused, yet rogue writers must still stop: fence them and leave the rest as it is. */
    private static Plan fenceOnly(ClusterView view, String primary, List<String> rogues, Refusal refusal) {
        List<Step> steps = new ArrayList<>();
        rogues.forEach(rogue -> steps.add(new Fence(rogue, Fence.How.STOP_POSTGRES)));
        String reason = String.join(", ", rogues) + " accepts writes although it was taken out of service:"
                + " fencing it by stopping PostgreSQL; " + refusal.reason();
        String subject = "pgpilot " + view.topology.cluster() + ": fenced " + String.join(", ", rogues);
        steps.add(new Step.Notify(subject, reason));
        return new Plan(primary, steps, reason, refusal.alerts());
    }

    private static String roguesNote(List<String> rogues) {
        return rogues.isEmpty() ? "" : " (" + String.join(", ", rogues) + " accepts writes although it was taken out of"
                + " service; fence it by hand)";
    }
}

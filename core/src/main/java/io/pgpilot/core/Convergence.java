package io.pgpilot.core;

import io.pgpilot.core.Step.Fence;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The steps that bring the cluster to one primary with every other node in its place, leaving
 * out what the observation shows already done. Re-planning after a run that died part-way
 * therefore yields only the rest; a finished cluster yields an empty plan.
 *
 * <p>What cannot be observed (hosts files, DNS, pgpool, notifications) is redone until the tags
 * say the transition completed, which is why the retag is the last step.
 */
final class Convergence {

    private final ClusterView view;
    private final Topology topology;
    private final FailoverPolicy policy;
    private final String primary;
    private final boolean promote;
    private final Map<String, Fence.How> fences;
    private final Set<String> retired;
    private final List<String> why;
    private final String headline;

    private final List<String> live = new ArrayList<>();
    private final List<String> suspect = new ArrayList<>();
    private final List<String> lost = new ArrayList<>();
    private final List<String> rejoined = new ArrayList<>();
    private final Map<String, String> upstreams = new HashMap<>();

    /**
     * @param fences   nodes to fence first, in order
     * @param retired  nodes the caller takes out of service (the fenced ones, an old primary already stopped)
     * @param why      the caller's sentences so far; convergence adds its own
     * @param headline the notification's headline, or null to derive one
     */
    Convergence(ClusterView view, FailoverPolicy policy, String primary, boolean promote,
                Map<String, Fence.How> fences, Set<String> retired, List<String> why, String headline) {
        this.view = view;
        this.topology = view.topology;
        this.policy = policy;
        this.primary = primary;
        this.promote = promote;
        this.fences = new LinkedHashMap<>(fences);
        this.retired = new LinkedHashSet<>(retired);
        this.why = new ArrayList<>(why);
        this.headline = headline;
    }

    Plan plan() {
        classify();
        List<Step> steps = new ArrayList<>();
        fences.forEach((node, how) -> steps.add(new Fence(node, how)));
        if (promote) {
            steps.add(new Step.Promote(primary));
        }
        int promoted = steps.size();
        repoint(steps);
        syncStandbys(steps);
        Map<String, Role> retag = roleChanges();
        boolean primaryChanged = topology.primary().map(Topology.Node::name).filter(primary::equals).isEmpty();
        if (primaryChanged) {
            steps.add(new Step.PublishHosts(topology.hostsMap(primary)));
            if (policy.dnsRecordName() != null) {
                steps.add(new Step.UpdateDnsRecord(policy.dnsRecordName(), topology.node(primary).address()));
            }
        }
        if (primaryChanged) {
            // pgpool routes by node name, not by the hosts map: writes through it come back once it
            // knows the new primary, not after re-pointing and publishing, which wait on hosts that
            // may be down.
            steps.add(promoted, new Step.TellPgpoolPrimary(primary));
        }
        if (primaryChanged || !retag.isEmpty()) {
            steps.add(new Step.SetPgpoolBackends(primary, inService()));
        }
        for (String node : topology.names()) {
            if ((retired.contains(node) || lost.contains(node)) && view.tag(node) != Role.REBUILD
                    && view.excluded(node) == null) {
                steps.add(new Step.RebuildStandby(node, upstreamOf(node)));
                Ec2State ec2 = view.ec2(node);
                why.add(node + " is out of service: rebuild it from " + upstreamOf(node) + " before it rejoins"
                        + (ec2.isStopped() ? "; rebuild of " + node + " from " + upstreamOf(node)
                                + " deferred until the instance runs (EC2 state " + ec2.awsName() + ")" : ""));
            }
        }
        if (steps.isEmpty()) {
            why.add(0, primary + " is the primary (timeline " + view.now(primary).timeline() + ")");
            why.add("nothing to do");
            return new Plan(primary, steps, sentences());
        }
        String reason = sentences();
        steps.add(new Step.Notify("pgpilot " + topology.cluster() + ": " + headline(), reason));
        if (!retag.isEmpty()) {
            steps.add(new Step.RetagInstances(retag));
        }
        return new Plan(primary, steps, reason);
    }

    private void classify() {
        for (String node : topology.names()) {
            if (node.equals(primary) || retired.contains(node)) {
                continue;
            }
            String excluded = view.excluded(node);
            if (excluded != null) {
                why.add("leaving " + node + " out: " + excluded);
                continue;
            }
            NodeObservation seen = view.now(node);
            Role tag = view.tag(node);
            // A node pgpilot did not count as a standby proves it follows the current history by streaming.
            if (seen.standby() && (tag == Role.STANDBY || seen.walReceiver() == WalReceiverStatus.STREAMING)) {
                live.add(node);
                if (tag != Role.STANDBY) {
                    rejoined.add(node);
                    why.add(node + " streams again as a standby: back in service");
                }
            } else if (tag == Role.PRIMARY && seen.standby()) {
                retired.add(node);
                why.add(node + " was the primary and is now read-only without streaming: out of service");
            } else if (tag == Role.STANDBY) {
                ClusterView.Verdict verdict = view.down(node);
                if (verdict.down()) {
                    lost.add(node);
                    why.add(node + " is lost: " + verdict.why());
                } else {
                    suspect.add(node);
                    why.add("leaving " + node + " in place: " + verdict.why());
                }
            }
        }
    }

    /**
     * Standbys follow their configured upstream while it is in service; otherwise the primary. A
     * suspect upstream that does not answer now is no place to re-point to: the standby waits
     * where it is until that upstream answers again or its failure is confirmed.
     */
    private void repoint(List<Step> steps) {
        for (String node : live) {
            String upstream = upstreamOf(node);
            String current = view.now(node).upstream();
            if (!upstream.equals(current) && suspect.contains(upstream) && !view.now(upstream).reachable()) {
                why.add("leaving " + node + " where it is: its upstream " + upstream + " does not answer now and its"
                        + " failure is not confirmed");
            } else if (!upstream.equals(current)) {
                steps.add(new Step.Repoint(node, upstream));
                why.add("re-pointing " + node + " to " + upstream + (current == null
                        ? " (it streams from no node)" : " (it streams from " + current + ")"));
            } else if (promote && upstream.equals(primary)) {
                why.add(node + " already streams from " + primary + " and follows its new timeline by itself");
            }
        }
    }

    /**
     * Synchronous replication: every standby in service that streams directly from the primary,
     * the preferred synchronous one first: with FIRST 1 any of them satisfies a commit, and none
     * at all means asynchronous, so a missing standby never stops writes. Asynchronous
     * replication: none, always.
     */
    private void syncStandbys(List<Step> steps) {
        if (policy.replication() == FailoverPolicy.Replication.ASYNCHRONOUS) {
            List<String> current = view.now(primary).syncStandbys();
            if (!current.isEmpty()) {
                steps.add(new Step.SetSyncStandbys(primary, List.of()));
                why.add("asynchronous replication (PGPILOT_REPLICATION_MODE): making " + primary + " asynchronous,"
                        + " so no commit waits for a standby (synchronous_standby_names '' where it named "
                        + String.join(", ", current) + ")");
            }
            return;
        }
        List<String> direct = new ArrayList<>(inService());
        direct.removeIf(node -> !upstreamOf(node).equals(primary));
        direct.sort(Comparator.comparing(node -> !topology.node(node).synchronous()));
        if (!direct.equals(view.now(primary).syncStandbys())) {
            Step.SetSyncStandbys step = new Step.SetSyncStandbys(primary, direct);
            steps.add(step);
            why.add(direct.isEmpty()
                    ? "making " + primary + " asynchronous: no standby streams directly from it, and a missing"
                            + " synchronous standby must not stop writes"
                    : "setting synchronous_standby_names on " + primary + " to " + step.setting()
                            + ": the standbys that stream directly from it");
        }
    }

    private Map<String, Role> roleChanges() {
        Map<String, Role> demotions = new LinkedHashMap<>();
        Map<String, Role> promotions = new LinkedHashMap<>();
        for (String node : topology.names()) {
            // An excluded node keeps its tag, unless that would leave two nodes tagged primary.
            Role role = node.equals(primary) ? Role.PRIMARY
                    : live.contains(node) ? Role.STANDBY
                    : retired.contains(node) || lost.contains(node) ? Role.REBUILD
                    : view.tag(node) == Role.PRIMARY ? Role.REBUILD
                    : view.tag(node);
            if (role != view.tag(node)) {
                (role == Role.PRIMARY ? promotions : demotions).put(node, role);
            }
        }
        demotions.putAll(promotions);
        return demotions;
    }

    /** Standbys pgpool may read from and the primary may wait for: the live ones and those not yet confirmed lost. */
    private List<String> inService() {
        return topology.names().stream().filter(n -> live.contains(n) || suspect.contains(n)).toList();
    }

    private String upstreamOf(String node) {
        return resolve(node, new LinkedHashSet<>());
    }

    /** The configured upstream when it is in service and leads to the primary without a cycle; else the primary. */
    private String resolve(String node, Set<String> path) {
        String known = upstreams.get(node);
        if (known != null) {
            return known;
        }
        path.add(node);
        String configured = topology.node(node).upstream();
        boolean usable = configured != null && !configured.equals(primary) && !path.contains(configured)
                && (suspect.contains(configured) || live.contains(configured) && view.tag(configured) == Role.STANDBY);
        if (usable) {
            // Resolve the upstream first: a cycle is then broken at one node, whichever end is asked first.
            resolve(configured, path);
        }
        String upstream = usable ? configured : primary;
        upstreams.put(node, upstream);
        return upstream;
    }

    private String headline() {
        if (headline != null) {
            return headline;
        }
        if (!fences.isEmpty()) {
            return "fenced " + String.join(", ", fences.keySet());
        }
        if (!lost.isEmpty()) {
            return String.join(", ", lost) + " lost, rebuild planned";
        }
        if (!rejoined.isEmpty()) {
            return String.join(", ", rejoined) + " back in service";
        }
        return "replication of " + primary + " repaired";
    }

    private String sentences() {
        return String.join("; ", why) + ".";
    }
}

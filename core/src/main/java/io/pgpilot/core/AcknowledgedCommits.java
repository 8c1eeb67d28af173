package io.pgpilot.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Where the commits a failed primary acknowledged are known to be, with synchronous replication.
 *
 * <p>A commit is acknowledged only once a synchronous standby has confirmed it, so every
 * acknowledged commit lies within the WAL of some standby that the primary's
 * synchronous_standby_names named (the confirmers, see {@link ClusterView#confirmers}). With the
 * primary gone those standbys' WAL no longer grows, so a candidate holds every acknowledged
 * commit when each other confirmer answers now and the candidate has received at least as much
 * on the same timeline (a confirmer on an older timeline confirmed nothing of the current one).
 * A confirmer that does not answer may hold commits nobody else has: the candidate is then not
 * known to hold them all. The primary record's confirmed positions only say how much at least.
 */
final class AcknowledgedCommits {

    /** Whether a candidate holds every acknowledged commit, and why (or why it is not known to). */
    record Verdict(boolean holdsAll, String why) {
    }

    private final ClusterView view;
    private final String old;
    private final ClusterView.Confirmers confirmers;

    AcknowledgedCommits(ClusterView view, String old) {
        this.view = view;
        this.old = old;
        this.confirmers = view.confirmers(old);
    }

    List<String> confirmers() {
        return confirmers.names();
    }

    Verdict judge(String candidate) {
        if (confirmers.names().isEmpty()) {
            return new Verdict(false, old + " named no synchronous standby (" + confirmers.source() + "), so it"
                    + " acknowledged commits that no standby had to confirm and none is known to hold them");
        }
        NodeObservation mine = view.now(candidate);
        List<String> missing = new ArrayList<>();
        for (String other : confirmers.names()) {
            if (other.equals(candidate)) {
                continue;
            }
            String gap = gap(mine, other);
            if (gap != null) {
                missing.add(gap);
            }
        }
        String who = String.join(", ", confirmers.names());
        if (missing.isEmpty()) {
            return new Verdict(true, candidate + " holds every acknowledged commit: the standbys that could confirm"
                    + " commits of " + old + " were " + who + " (" + confirmers.source() + ")"
                    + (confirmers.names().equals(List.of(candidate)) ? ""
                            : ", and it has received at least as much as each of them"));
        }
        return new Verdict(false, candidate + " is not known to hold every acknowledged commit: the standbys that"
                + " could confirm commits of " + old + " were " + who + " (" + confirmers.source() + "), and "
                + String.join("; ", missing));
    }

    /** Why {@code other} may hold acknowledged commits that {@code mine} lacks; null when it cannot. */
    private String gap(NodeObservation mine, String other) {
        if (!view.topology.names().contains(other)) {
            return other + " is named in synchronous_standby_names but is no node of cluster "
                    + view.topology.cluster() + ", so what it confirmed cannot be seen";
        }
        NodeObservation theirs = view.now(other);
        String excluded = view.excluded(other);
        if (excluded != null && theirs.usable()) {
            return null;  // another database: it confirmed nothing of this one
        }
        if (!theirs.usable()) {
            return other + (excluded != null ? " answers unusably" : " does not answer") + confirmedNote(other)
                    + ", so it may hold acknowledged commits that " + mine.node() + " lacks";
        }
        if (theirs.timeline() < mine.timeline()) {
            return null;
        }
        if (theirs.timeline() > mine.timeline()) {
            return other + " is on timeline " + theirs.timeline() + ", newer than " + mine.node() + "'s "
                    + mine.timeline();
        }
        if (theirs.position().isAfter(mine.position())) {
            return other + " has received " + theirs.position().bytesAfter(mine.position()) + " bytes more ("
                    + theirs.position() + " against " + mine.position() + ")";
        }
        return null;
    }

    private String confirmedNote(String other) {
        PrimaryRecord record = view.record();
        Lsn confirmed = record == null ? null : record.confirmed().get(other);
        return confirmed == null ? "" : " (it had confirmed " + confirmed + " to " + record.primary() + " at "
                + record.at() + ")";
    }

    /**
     * The least WAL a forced promotion of {@code candidate} loses, by what is known: the furthest
     * position a confirmer answered with or was recorded to have confirmed, on the candidate's
     * timeline; commits confirmed after that record come on top.
     */
    String lossNote(String candidate) {
        NodeObservation mine = view.now(candidate);
        Lsn furthest = mine.position();
        String where = null;
        PrimaryRecord record = view.record();
        for (String other : confirmers.names()) {
            Lsn known = null;
            NodeObservation theirs = view.topology.names().contains(other) ? view.now(other) : null;
            if (theirs != null && theirs.usable() && theirs.timeline() == mine.timeline()) {
                known = theirs.position();
            } else if (record != null && record.timeline() == mine.timeline()) {
                known = record.confirmed().get(other);
            }
            if (known != null && known.isAfter(furthest)) {
                furthest = known;
                where = other;
            }
        }
        if (where == null) {
            return "how much WAL that loses is not known: no standby that could confirm commits was seen beyond "
                    + candidate + "'s " + mine.position();
        }
        return "that loses at least " + furthest.bytesAfter(mine.position()) + " bytes of WAL that " + where
                + " had (" + furthest + "), and any commit confirmed after that was seen";
    }

    /** The confirmers' last known positions, for an operator's refusal note. */
    String holders() {
        PrimaryRecord record = view.record();
        List<String> parts = new ArrayList<>();
        for (String name : confirmers.names()) {
            Lsn confirmed = record == null ? null : record.confirmed().get(name);
            parts.add(name + (confirmed == null ? "" : " (it had confirmed " + confirmed + " at " + record.at() + ")"));
        }
        return String.join(", ", parts);
    }
}

package io.pgpilot.adapters;

import java.util.List;

/** The record of transitions and refusals: the workflow's view of {@link FailoverHistory}. */
public interface HistoryLog {

    void append(FailoverHistory.Entry entry);

    List<FailoverHistory.Entry> recent(String cluster, int limit);
}

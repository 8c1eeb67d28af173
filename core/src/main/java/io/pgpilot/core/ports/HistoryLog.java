package io.pgpilot.core.ports;

import java.util.List;

/** The record of transitions and refusals: implemented by the adapter DynamoDbHistoryLog. */
public interface HistoryLog {

    void append(HistoryEntry entry);

    List<HistoryEntry> recent(String cluster, int limit);
}

package io.pgpilot.fakes;

import io.pgpilot.adapters.DynamoDbHistoryLog;
import io.pgpilot.core.Maintenance;
import io.pgpilot.core.PrimaryRecord;
import io.pgpilot.core.ports.DnsRecords;
import io.pgpilot.core.ports.EventLedger;
import io.pgpilot.core.ports.HistoryEntry;
import io.pgpilot.core.ports.HistoryLog;
import io.pgpilot.core.ports.Lease;
import io.pgpilot.core.ports.Leases;
import io.pgpilot.core.ports.MaintenanceMode;
import io.pgpilot.core.ports.ArchiveStatus;
import io.pgpilot.core.ports.MetricSink;
import io.pgpilot.core.ports.NodeSample;
import io.pgpilot.core.ports.Notifier;
import io.pgpilot.core.ports.PrimaryRecords;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The state table, SNS, Route 53 and CloudWatch in memory: what the workflow recorded and told. */
public final class FakeServices implements Leases, EventLedger, HistoryLog, Notifier, DnsRecords, MetricSink,
        PrimaryRecords, MaintenanceMode {

    public record Notice(String subject, String message) {
    }

    public record Probe(boolean primaryReachable, List<NodeSample> nodes) {
    }

    private final Map<String, Maintenance> maintenance = new HashMap<>();

    @Override
    public synchronized Optional<Maintenance> current(String cluster, Instant now) {
        return Optional.ofNullable(maintenance.get(cluster)).filter(m -> m.holdsAt(now));
    }

    @Override
    public synchronized void pause(String cluster, Maintenance value) {
        maintenance.put(cluster, value);
    }

    @Override
    public synchronized boolean resume(String cluster, Instant now) {
        Maintenance ended = maintenance.remove(cluster);
        return ended != null && ended.holdsAt(now);
    }

    private final Map<String, Lease> leases = new HashMap<>();
    private long epoch;
    /** Renewals granted before the lease is taken away; negative for never. */
    public int renewalsBeforeLoss = -1;
    /** When each renewal was granted. */
    public final List<Instant> renewedAt = new ArrayList<>();
    /** Runs as a lease is asked for: what happens between an observation and the run it starts. */
    public Runnable beforeAcquire = () -> { };
    public final Set<String> processed = new HashSet<>();
    /** When each processed id runs out: after that it counts as new, as in the state table. */
    private final Map<String, Instant> expiries = new HashMap<>();
    public final List<HistoryEntry> history = new ArrayList<>();
    public final List<Notice> notices = new ArrayList<>();
    public final Map<String, String> records = new HashMap<>();
    public final List<Probe> probes = new ArrayList<>();
    public final List<Map<String, Duration>> phases = new ArrayList<>();
    public final List<ArchiveStatus> archives = new ArrayList<>();
    public final Map<String, PrimaryRecord> primaries = new HashMap<>();

    @Override
    public synchronized Optional<Lease> tryAcquire(String cluster, String owner, Duration duration, Instant now) {
        beforeAcquire.run();
        Lease held = leases.get(cluster);
        if (held != null && !held.expiredAt(now)) {
            return Optional.empty();
        }
        // A release sets the expiry to the epoch: a held lease that ran out otherwise was never released.
        Lease.Predecessor cutOff = held == null || held.expiresAt().equals(Instant.EPOCH) ? null
                : new Lease.Predecessor(held.owner(), held.epoch(), held.expiresAt());
        Lease lease = new Lease(cluster, owner, ++epoch, now.plus(duration), cutOff);
        leases.put(cluster, lease);
        return Optional.of(lease);
    }

    @Override
    public synchronized Optional<Lease> renew(Lease lease, Duration duration, Instant now) {
        if (renewalsBeforeLoss == 0 || !lease.equals(leases.get(lease.cluster())) || lease.expiredAt(now)) {
            return Optional.empty();
        }
        renewalsBeforeLoss--;
        renewedAt.add(now);
        Lease renewed = new Lease(lease.cluster(), lease.owner(), lease.epoch(), now.plus(duration));
        leases.put(lease.cluster(), renewed);
        return Optional.of(renewed);
    }

    @Override
    public synchronized boolean release(Lease lease, Instant now) {
        Lease held = leases.get(lease.cluster());
        if (held == null || held.epoch() != lease.epoch()) {
            return false;
        }
        leases.put(lease.cluster(), new Lease(lease.cluster(), lease.owner(), lease.epoch(), Instant.EPOCH));
        return true;
    }

    @Override
    public synchronized Optional<Lease> holder(String cluster, Instant now) {
        return Optional.ofNullable(leases.get(cluster)).filter(l -> !l.expiredAt(now));
    }

    @Override
    public synchronized boolean markProcessed(String cluster, String eventId, Instant now, Duration retention) {
        String key = cluster + "/" + eventId;
        if (processed.contains(key) && now.isBefore(expiries.get(key))) {
            return false;
        }
        processed.add(key);
        expiries.put(key, now.plus(retention));
        return true;
    }

    @Override
    public synchronized void forget(String cluster, String eventId) {
        processed.remove(cluster + "/" + eventId);
        expiries.remove(cluster + "/" + eventId);
    }

    @Override
    public void append(HistoryEntry entry) {
        history.add(entry);
    }

    @Override
    public List<HistoryEntry> recent(String cluster, int limit) {
        // Newest first, as DynamoDbHistoryLog answers.
        List<HistoryEntry> newest = new ArrayList<>(history.stream()
                .filter(e -> e.cluster().equals(cluster)).toList());
        Collections.reverse(newest);
        return newest.subList(0, Math.min(limit, newest.size()));
    }

    @Override
    public synchronized Optional<PrimaryRecord> read(String cluster) {
        return Optional.ofNullable(primaries.get(cluster));
    }

    /** As the state table's conditional put: never back in time, never another database. */
    @Override
    public synchronized Write write(PrimaryRecord record) {
        PrimaryRecord stored = primaries.get(record.cluster());
        if (stored != null && !stored.systemIdentifier().equals(record.systemIdentifier())) {
            return Write.OTHER_DATABASE;
        }
        if (stored != null && stored.at().isAfter(record.at())) {
            return Write.OLDER;
        }
        primaries.put(record.cluster(), record);
        return Write.WRITTEN;
    }

    @Override
    public String publish(String subject, String message) {
        notices.add(new Notice(subject, message));
        return "msg-" + notices.size();
    }

    @Override
    public void upsert(String name, String address, Duration ttl) {
        records.put(name, address);
    }

    @Override
    public Optional<String> address(String name) {
        return Optional.ofNullable(records.get(name));
    }

    @Override
    public void publishProbe(String cluster, boolean primaryReachable, List<NodeSample> nodes, Instant at) {
        probes.add(new Probe(primaryReachable, nodes));
    }

    @Override
    public void publishPhases(String cluster, Map<String, Duration> phases, Instant at) {
        this.phases.add(phases);
    }

    @Override
    public void publishArchive(String cluster, ArchiveStatus archive, Instant at) {
        archives.add(archive);
    }
}

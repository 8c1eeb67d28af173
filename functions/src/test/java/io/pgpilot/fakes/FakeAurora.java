package io.pgpilot.fakes;

import io.pgpilot.core.AuroraObservation;
import io.pgpilot.core.ports.DbCluster;
import io.pgpilot.core.ports.DbClusters;
import io.pgpilot.core.ports.EndpointProbe;
import io.pgpilot.core.ports.Instance;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An Aurora DB cluster in memory, as RDS and its endpoints show it: writer db-a in us-east-1a,
 * readers db-b (us-east-1a) and db-c (us-east-1b). FailoverDBCluster takes effect after
 * {@link #describesUntilSwitch} describes, as Aurora switches asynchronously.
 */
public final class FakeAurora implements DbClusters, EndpointProbe {

    public static final String ID = "lab-aurora";
    public static final String ENDPOINT = ID + ".cluster-abc.us-east-1.rds.amazonaws.com";
    public static final String READER_ENDPOINT = ID + ".cluster-ro-abc.us-east-1.rds.amazonaws.com";

    /** One DB instance, changed by the tests at will. */
    public static final class Instance {
        public boolean writer;
        public String status = "available";
        public String zone;
        public int tier = 1;

        Instance(boolean writer, String zone) {
            this.writer = writer;
            this.zone = zone;
        }
    }

    public final Map<String, Instance> instances = new LinkedHashMap<>();
    public String status = "available";
    /** Whether the cluster endpoint answers (as the writer). */
    public boolean endpointAnswers = true;
    public final Map<String, Long> lags = new HashMap<>();
    /** Describes after a FailoverDBCluster before the target is the writer; negative: never. */
    public int describesUntilSwitch;
    /** Thrown by the next FailoverDBCluster, if set. */
    public RuntimeException failoverError;
    /** Every call that changed something, in order. */
    public final List<String> journal = new ArrayList<>();
    public int describes;
    public int probes;
    private String pending;
    private int pendingDescribes;

    public FakeAurora() {
        instances.put("db-a", new Instance(true, "us-east-1a"));
        instances.put("db-b", new Instance(false, "us-east-1a"));
        instances.put("db-c", new Instance(false, "us-east-1b"));
    }

    public String writer() {
        return instances.entrySet().stream().filter(e -> e.getValue().writer).map(Map.Entry::getKey).findFirst()
                .orElse(null);
    }

    @Override
    public synchronized DbCluster describe(String clusterId) {
        if (!ID.equals(clusterId)) {
            throw new IllegalStateException("DBClusterNotFoundFault: " + clusterId);
        }
        describes++;
        if (pending != null && describesUntilSwitch >= 0 && ++pendingDescribes > describesUntilSwitch) {
            instances.values().forEach(i -> i.writer = false);
            instances.get(pending).writer = true;
            pending = null;
            status = "available";
        }
        List<DbCluster.Member> members = new ArrayList<>();
        instances.forEach((id, i) -> members.add(new DbCluster.Member(id, i.writer, i.tier, i.status, i.zone)));
        return new DbCluster(ID, status, ENDPOINT, READER_ENDPOINT, members);
    }

    @Override
    public synchronized void failover(String clusterId, String targetInstanceId) {
        journal.add("failover " + clusterId + " to " + targetInstanceId);
        if (failoverError != null) {
            RuntimeException error = failoverError;
            failoverError = null;
            throw error;
        }
        if (!instances.containsKey(targetInstanceId)) {
            throw new IllegalArgumentException("InvalidParameterValue: Cannot find target instance: "
                    + targetInstanceId);
        }
        pending = targetInstanceId;
        pendingDescribes = 0;
        status = "failing-over";
    }

    @Override
    public synchronized AuroraObservation.Endpoint answer(String host) {
        if (!ENDPOINT.equals(host)) {
            throw new IllegalStateException("probed " + host + ", not the cluster endpoint");
        }
        probes++;
        return endpointAnswers ? AuroraObservation.Endpoint.WRITER : AuroraObservation.Endpoint.UNREACHABLE;
    }

    @Override
    public synchronized Map<String, Long> replicaLagMillis(String host) {
        if (!READER_ENDPOINT.equals(host)) {
            throw new IllegalStateException("lag read through " + host + ", not the reader endpoint");
        }
        return Map.copyOf(lags);
    }
}

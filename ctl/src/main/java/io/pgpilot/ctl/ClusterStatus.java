package io.pgpilot.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpilot.config.ClusterConfig;
import io.pgpilot.core.Ec2State;
import io.pgpilot.core.Maintenance;
import io.pgpilot.core.PrimaryRecord;
import io.pgpilot.core.ports.CommandResult;
import io.pgpilot.core.ports.CommandTarget;
import io.pgpilot.core.ports.Commands;
import io.pgpilot.core.ports.HistoryEntry;
import io.pgpilot.core.ports.HistoryLog;
import io.pgpilot.core.ports.Instance;
import io.pgpilot.core.ports.Instances;
import io.pgpilot.core.ports.MaintenanceMode;
import io.pgpilot.core.ports.PrimaryRecords;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A deployed cluster as an operator reads it at 3 a.m.: each database node as EC2 tags it and as
 * its PostgreSQL answers (pgpilot-ReplicationStatus through Run Command, so no database port need
 * be reachable from where ctl runs), and what pgpilot knows: the primary it last recorded, its
 * maintenance mode, its last decision and why.
 */
final class ClusterStatus {

    static final String REPLICATION_STATUS = "pgpilot-ReplicationStatus";
    private static final Duration ANSWER_WAIT = Duration.ofSeconds(40);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One database node.
     *
     * @param role     primary or standby as PostgreSQL answers; null when it did not answer
     * @param state    streaming (a standby's WAL receiver), running (a primary), or why there is no answer
     * @param lagBytes replay lag behind its upstream, as the upstream reports it; null when not known
     */
    record Node(String name, String address, String instanceId, String ec2State, String tag, String role,
                String upstream, String state, String syncState, Integer timeline, Long lagBytes) {
    }

    /** The cluster; {@code maintenance} null when not paused, {@code lastDecision} null when none was recorded. */
    record Report(String cluster, List<Node> nodes, Map<String, Object> primaryRecord, Map<String, Object> maintenance,
                  Map<String, Object> lastDecision) {

        /** Why {@code target} cannot be switched over to; null when it can be asked. */
        String whyNotATarget(String target) {
            Node node = nodes.stream().filter(n -> n.name().equals(target)).findFirst().orElse(null);
            if (node == null) {
                return target + " is not a database node of cluster " + cluster + " (its nodes: "
                        + String.join(", ", nodes.stream().map(Node::name).toList()) + ")";
            }
            if (!"standby".equals(node.tag()) || !"standby".equals(node.role()) || !"streaming".equals(node.state())) {
                return target + " is not a healthy standby (tagged " + node.tag() + ", answers as " + node.role()
                        + ", " + node.state() + ")";
            }
            return null;
        }

        String table() {
            StringBuilder text = new StringBuilder(String.format("%-6s %-15s %-8s %-8s %-8s %-22s %-6s %-8s %-10s %-9s %s%n",
                    "NODE", "ADDRESS", "ROLE", "TAG", "UPSTREAM", "STATE", "SYNC", "TIMELINE", "LAG_BYTES", "EC2",
                    "INSTANCE"));
            for (Node n : nodes) {
                text.append(String.format("%-6s %-15s %-8s %-8s %-8s %-22s %-6s %-8s %-10s %-9s %s%n", n.name(),
                        dash(n.address()), dash(n.role()), dash(n.tag()), dash(n.upstream()), dash(n.state()),
                        dash(n.syncState()), dash(n.timeline()), dash(n.lagBytes()), n.ec2State(), n.instanceId()));
            }
            text.append("\nmaintenance:   ").append(maintenance == null ? "off (pgpilot acts)"
                    : "PAUSED since " + maintenance.get("since") + " by " + maintenance.get("by") + ", until "
                    + (maintenance.get("until") == null ? "resumed" : maintenance.get("until")));
            text.append("\nprimary record: ").append(primaryRecord == null ? "none yet" : primaryRecord.get("primary")
                    + " on timeline " + primaryRecord.get("timeline") + ", seen " + primaryRecord.get("observedAt"));
            text.append("\nlast decision: ").append(lastDecision == null ? "none recorded" : lastDecision.get("startedAt")
                    + " " + lastDecision.get("outcome") + ": " + lastDecision.get("reason"));
            return text.toString();
        }

        private static String dash(Object value) {
            return value == null ? "-" : value.toString();
        }
    }

    private final ClusterConfig config;
    private final Instances instances;
    private final Commands commands;
    private final PrimaryRecords records;
    private final HistoryLog history;
    private final MaintenanceMode maintenance;
    private final Clock clock;

    ClusterStatus(ClusterConfig config, Instances instances, Commands commands, PrimaryRecords records,
                  HistoryLog history, MaintenanceMode maintenance, Clock clock) {
        this.config = config;
        this.instances = instances;
        this.commands = commands;
        this.records = records;
        this.history = history;
        this.maintenance = maintenance;
        this.clock = clock;
    }

    Report read() {
        List<Instance> nodes = instances.describe(config.cluster()).stream().filter(i -> i.role().isPresent())
                .sorted((a, b) -> a.name().compareTo(b.name())).toList();
        if (nodes.isEmpty()) {
            throw new Ctl.Refused("cluster " + config.cluster() + " has no database instance (none tagged "
                    + "pgpilot:cluster=" + config.cluster() + " with a pgpilot:role)");
        }
        Map<String, JsonNode> answers = new LinkedHashMap<>();
        Map<String, String> failures = new LinkedHashMap<>();
        Map<String, String> sent = new LinkedHashMap<>();
        for (Instance node : nodes) {
            if (node.state() != Ec2State.RUNNING) {
                failures.put(node.name(), "instance " + node.state().awsName());
                continue;
            }
            sent.put(node.name(), commands.send(REPLICATION_STATUS, Map.of("pgVersion", config.pgVersion(),
                    "cluster", node.tag(Instances.PGCLUSTER_TAG).orElse("main")),
                    CommandTarget.instances(List.of(node.instanceId()))));
        }
        for (Instance node : nodes) {
            String commandId = sent.get(node.name());
            if (commandId == null) {
                continue;
            }
            CommandResult result = commands.await(commandId, List.of(node.instanceId()), ANSWER_WAIT).get(0);
            String last = result.stdout().strip().lines().reduce((a, b) -> b).orElse("");
            if (!"Success".equals(result.status()) || last.isEmpty()) {
                failures.put(node.name(), "no answer: " + firstLine(result.stderr().isBlank() ? result.status()
                        : result.stderr().strip()));
                continue;
            }
            try {
                answers.put(node.name(), JSON.readTree(last));
            } catch (IOException e) {
                failures.put(node.name(), "unreadable answer");
            }
        }
        Map<String, JsonNode> downstreams = new LinkedHashMap<>();
        answers.values().forEach(a -> a.path("downstreams").forEach(d -> downstreams.put(d.path("name").asText(), d)));
        List<Node> rows = new ArrayList<>();
        for (Instance node : nodes) {
            JsonNode a = answers.get(node.name());
            JsonNode d = downstreams.get(node.name());
            String role = a == null ? null : a.path("role").asText(null);
            String state = a == null ? failures.get(node.name())
                    : "primary".equals(role) ? "running" : a.path("walReceiver").asText("not streaming");
            rows.add(new Node(node.name(), node.privateIp(), node.instanceId(), node.state().awsName(), node.roleTag(),
                    role, a == null ? null : a.path("upstream").asText(null), state,
                    d == null ? null : d.path("syncState").asText(null),
                    a == null || !a.path("timeline").isNumber() ? null : a.path("timeline").asInt(),
                    d == null || !d.path("replayLagBytes").isNumber() ? null : d.path("replayLagBytes").asLong()));
        }
        Optional<PrimaryRecord> record = records.read(config.cluster());
        List<HistoryEntry> last = history.recent(config.cluster(), 1);
        return new Report(config.cluster(), rows, record.map(ClusterStatus::primaryRecord).orElse(null),
                maintenance(maintenance.current(config.cluster(), clock.instant()).orElse(null)),
                last.isEmpty() ? null : decision(last.get(0)));
    }

    static Map<String, Object> maintenance(Maintenance m) {
        if (m == null) {
            return null;
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("since", m.since().toString());
        fields.put("by", m.by());
        fields.put("until", m.until() == null ? null : m.until().toString());
        return fields;
    }

    private static Map<String, Object> primaryRecord(PrimaryRecord r) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("primary", r.primary());
        fields.put("timeline", r.timeline());
        fields.put("position", r.position().toString());
        fields.put("syncStandbys", r.syncStandbys());
        fields.put("observedAt", r.at().toString());
        return fields;
    }

    private static Map<String, Object> decision(HistoryEntry e) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("startedAt", e.startedAt().toString());
        fields.put("outcome", e.outcome());
        fields.put("primary", e.primary());
        fields.put("reason", e.reason());
        return fields;
    }

    private static String firstLine(String text) {
        int end = text.indexOf('\n');
        return end < 0 ? text : text.substring(0, end);
    }
}

package io.pgpilot.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpilot.config.ClusterConfig;
import io.pgpilot.core.Adoption;
import io.pgpilot.core.Adoption.Candidate;
import io.pgpilot.core.Adoption.Change;
import io.pgpilot.core.Adoption.Inspection;
import io.pgpilot.core.Adoption.Node;
import io.pgpilot.core.Adoption.Plan;
import io.pgpilot.core.Checks;
import io.pgpilot.core.HostsFile;
import io.pgpilot.core.Role;
import io.pgpilot.core.ports.CommandResult;
import io.pgpilot.core.ports.CommandTarget;
import io.pgpilot.core.ports.Commands;
import io.pgpilot.core.ports.Instances;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

/**
 * {@code pgpilot ctl --cluster NAME adopt [--nodes A,B,C] [--apply]}: makes a cluster built by
 * hand a pgpilot cluster. It inspects each node through Run Command (pgpilot-InspectNode), lets
 * {@link Adoption} decide, and prints the plan; with --apply it carries it out in an order that
 * keeps the cluster serving: the hosts block, the primary's logins and settings, each standby's
 * (upstreams first), synchronous_standby_names, the boot gate, and pgpilot's tags last, since only
 * tagged nodes are ones pgpilot acts on. Settings that need a restart are set and left pending.
 */
final class Adopt {

    static final String INSPECT = "pgpilot-InspectNode";
    static final String ADOPT_NODE = "pgpilot-AdoptNode";
    static final String CONFIGURE_PRIMARY = "pgpilot-ConfigurePrimary";
    static final String UPDATE_HOSTS = "pgpilot-UpdateHosts";
    static final String BOOT_GATE = "pgpilot-BootGate";
    private static final Duration INSPECT_WAIT = Duration.ofSeconds(60);
    private static final Duration STEP_WAIT = Duration.ofMinutes(6);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A Debian cluster name, as the documents' cluster parameter takes it. */
    private static final Pattern DEBIAN_CLUSTER = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");

    private final ClusterConfig config;
    private final AdoptedInstances ec2;
    private final Commands commands;
    private final PrintStream out;

    Adopt(ClusterConfig config, AdoptedInstances ec2, Commands commands, PrintStream out) {
        this.config = config;
        this.ec2 = ec2;
        this.commands = commands;
        this.out = out;
    }

    /** The plan for the nodes named (none: those an earlier adoption tagged), from what they answer now. */
    Plan plan(List<String> named) {
        List<AdoptedInstances.Found> tagged = ec2.ofCluster(config.cluster());
        List<AdoptedInstances.Found> nodes = named.isEmpty()
                ? tagged.stream().filter(f -> isDatabase(f.tags())).toList() : ec2.named(named);
        if (nodes.isEmpty()) {
            throw new Ctl.Refused("no node to adopt: name the database instances with --nodes NAME,NAME,... (their"
                    + " Name tags or instance ids); nothing changed");
        }
        Set<String> ids = new LinkedHashSet<>(nodes.stream().map(AdoptedInstances.Found::instanceId).toList());
        Map<String, String> others = new LinkedHashMap<>();
        tagged.stream().filter(f -> !ids.contains(f.instanceId()) && !isDatabase(f.tags())
                        && f.tags().get(Instances.NAME_TAG) != null)
                .forEach(f -> others.put(f.tags().get(Instances.NAME_TAG), f.address()));
        Map<String, String> sent = new LinkedHashMap<>();
        List<Candidate> candidates = new ArrayList<>();
        for (AdoptedInstances.Found f : nodes) {
            String pgCluster = f.tags().get(Instances.PGCLUSTER_TAG);
            if (pgCluster != null && !DEBIAN_CLUSTER.matcher(pgCluster).matches()) {
                candidates.add(new Candidate(f.instanceId(), f.address(), f.tags(), f.metadataTags(), null,
                        "its " + Instances.PGCLUSTER_TAG + " tag " + Checks.quote(pgCluster) + " is no Debian cluster"
                                + " name (pg_lsclusters): fix or remove the tag"));
                continue;
            }
            try {
                sent.put(f.instanceId(), commands.send(INSPECT,
                        Map.of("cluster", pgCluster == null ? "" : config.pgVersion() + "/" + pgCluster),
                        CommandTarget.instances(List.of(f.instanceId()))));
            } catch (RuntimeException e) {
                // SSM refuses a command to an instance it does not manage (InvalidInstanceId).
                candidates.add(new Candidate(f.instanceId(), f.address(), f.tags(), f.metadataTags(), null,
                        "not reachable through Run Command (" + firstLine(String.valueOf(e.getMessage()))
                                + "): is the SSM agent running, with a role that allows it?"));
            }
        }
        for (AdoptedInstances.Found f : nodes) {
            if (!sent.containsKey(f.instanceId())) {
                continue;
            }
            CommandResult result = commands.await(sent.get(f.instanceId()), List.of(f.instanceId()), INSPECT_WAIT).get(0);
            String last = lastLine(result.stdout());
            if (!"Success".equals(result.status()) || last.isEmpty()) {
                candidates.add(new Candidate(f.instanceId(), f.address(), f.tags(), f.metadataTags(), null,
                        unanswered(result)));
                continue;
            }
            try {
                candidates.add(new Candidate(f.instanceId(), f.address(), f.tags(), f.metadataTags(),
                        inspection(JSON.readTree(last)), null));
            } catch (IOException | RuntimeException e) {
                candidates.add(new Candidate(f.instanceId(), f.address(), f.tags(), f.metadataTags(), null,
                        "its answer is not what pgpilot-InspectNode prints (" + e.getMessage() + ")"));
            }
        }
        return Adoption.plan(config.cluster(), candidates, others);
    }

    private static boolean isDatabase(Map<String, String> tags) {
        return Arrays.stream(Role.values()).anyMatch(r -> r.tag().equals(tags.get(Instances.ROLE_TAG)));
    }

    private static String unanswered(CommandResult result) {
        String why = !result.stderr().isBlank() ? firstLine(result.stderr().strip())
                : result.statusDetails().isBlank() ? result.status() : result.statusDetails();
        return "Undeliverable".equals(result.statusDetails()) || "Delivery Timed Out".equals(result.statusDetails())
                ? "not reachable through Run Command (" + why + "): is the SSM agent running, with a role that"
                + " allows it?" : why;
    }

    static Inspection inspection(JsonNode a) {
        List<Adoption.Downstream> downstreams = new ArrayList<>();
        a.path("downstreams").forEach(d -> downstreams.add(new Adoption.Downstream(d.path("name").asText(null),
                d.path("address").asText(null), d.path("syncState").asText(null))));
        Map<String, String> settings = new LinkedHashMap<>();
        a.path("settings").fields().forEachRemaining(e -> settings.put(e.getKey(), e.getValue().asText()));
        List<String> pending = new ArrayList<>();
        a.path("pendingRestart").forEach(p -> pending.add(p.asText()));
        if (!a.path("major").isInt() || !a.path("inRecovery").isBoolean()) {
            throw new IllegalArgumentException("no major version or recovery state");
        }
        return new Inspection(a.path("pgCluster").asText(), a.path("major").asInt(), a.path("systemId").asText(),
                a.path("inRecovery").asBoolean(), a.path("upstream").asText(null), a.path("walReceiver").asText(null),
                a.path("applicationName").asText(null), a.path("passwordInConninfo").asBoolean(),
                a.path("synchronousStandbyNames").asText(""), downstreams, settings, pending,
                a.path("startConf").asText("auto"), a.path("bootGate").asBoolean(), a.path("hostsBlock").asBoolean());
    }

    /** The plan as an operator reads it. */
    String describe(Plan plan, boolean apply) {
        StringBuilder text = new StringBuilder();
        if (plan.refused()) {
            text.append("cluster ").append(plan.cluster()).append(": adoption refused; nothing changed\n");
            plan.refusals().forEach(r -> text.append("  - ").append(r).append('\n'));
            return text.toString();
        }
        text.append("cluster ").append(plan.cluster()).append(": ");
        text.append(String.join(", ", plan.nodes().stream().map(n -> n.name() + " (" + n.instanceId() + ") "
                + (n.upstream() == null ? "primary" : "standby of " + n.upstream() + (n.sync() ? ", synchronous" : "")))
                .toList())).append('\n');
        text.append(apply ? "changes:\n" : "changes adopt --apply would make (dry run: nothing changed):\n");
        // The same change on several nodes (a setting) is one line naming them all.
        Map<Change, List<String>> nodesByChange = new LinkedHashMap<>();
        plan.changes().forEach(c -> nodesByChange.computeIfAbsent(new Change("", c.what(), c.why(), c.restart()),
                k -> new ArrayList<>()).add(c.node()));
        nodesByChange.forEach((c, nodes) -> text.append(String.format("  %-14s %s%s%n  %-14s why: %s%n",
                String.join(",", nodes), c.restart() ? "[restart] " : "", c.what(), "", c.why())));
        plan.warnings().forEach(w -> text.append("warning: ").append(w).append('\n'));
        if (plan.changes().stream().anyMatch(Change::restart)) {
            text.append("[restart]: set now, in effect at the node's next restart, which adopt leaves to you (standbys"
                    + " first; the primary after a switchover)\n");
        }
        if (!apply) {
            text.append("run again with --apply to make these changes\n");
        }
        return text.toString();
    }

    /** Carries out {@code plan}; the settings that wait for a restart, by node. */
    Map<String, List<String>> apply(Plan plan) {
        Map<String, List<String>> pending = new LinkedHashMap<>();
        Node primary = plan.primary();
        // Every host by name: the nodes, and the cluster's other hosts (pgpool).
        Map<String, String> everyHost = new LinkedHashMap<>();
        plan.nodes().forEach(n -> everyHost.put(n.instanceId(), n.name()));
        ec2.ofCluster(config.cluster()).forEach(f -> everyHost.putIfAbsent(f.instanceId(),
                f.tags().getOrDefault(Instances.NAME_TAG, f.instanceId())));
        step("the managed hosts block", UPDATE_HOSTS, Map.of("entries", HostsFile.entriesParameter(plan.hosts())),
                everyHost);
        for (Node node : plan.nodes()) {
            // ConfigurePrimary on every node (a standby serves its downstream and may be promoted); the
            // synchronous standby names change only at the end, once the standbys log in by node name.
            Inspection i = node.inspection();
            Map<String, String> configure = new LinkedHashMap<>(Map.of("pgVersion", node.pgVersion(),
                    "cluster", node.pgCluster(), "replicationCidr", config.replicationCidr(),
                    "keepSyncStandbys", "true", "restart", "false", "maxWalSenders", Adoption.maxWalSenders(i),
                    "walKeepSize", Adoption.walKeepSize(i)));
            collect(pending, node, step("replication login, pg_hba.conf and settings", CONFIGURE_PRIMARY, configure,
                    on(node)));
            Map<String, String> adopt = new LinkedHashMap<>(Map.of("pgVersion", node.pgVersion(),
                    "cluster", node.pgCluster(), "role", node.role().tag(), "nodeName", node.name()));
            if (node.upstream() == null) {
                adopt.put("monitorSecret", config.dbSecret());
            } else {
                adopt.put("upstreamHost", node.upstream());
            }
            collect(pending, node, step(node.upstream() == null ? "monitoring login and settings"
                    : "primary_conninfo and settings", ADOPT_NODE, adopt, on(node)));
        }
        step("synchronous_standby_names", CONFIGURE_PRIMARY, Map.of("pgVersion", primary.pgVersion(), "cluster", primary.pgCluster(), "replicationCidr",
                config.replicationCidr(), "syncStandbysOnly", "true",
                "syncStandbys", String.join(",", plan.syncStandbys())), on(primary));
        String gate = bootGate();
        for (Node node : plan.nodes()) {
            step("the boot gate", BOOT_GATE, Map.of("pgVersion", node.pgVersion(),
                    "cluster", node.pgCluster(), "gate", gate), on(node));
        }
        for (Node node : plan.nodes()) {
            ec2.enableMetadataTags(node.instanceId());
            ec2.tag(node.instanceId(), plan.tags(node));
            out.println("  tags: done on " + node.name() + " (" + String.join(" ", plan.tags(node).entrySet().stream()
                    .map(t -> t.getKey() + "=" + t.getValue()).toList()) + ")");
        }
        return pending;
    }

    private static Map<String, String> on(Node node) {
        return Map.of(node.instanceId(), node.name());
    }

    /** Runs one step on the hosts (instance id to name); its output's last line as JSON, of the last host. */
    private JsonNode step(String what, String document, Map<String, String> parameters, Map<String, String> hosts) {
        List<String> instanceIds = List.copyOf(hosts.keySet());
        List<CommandResult> results = commands.run(document, parameters, CommandTarget.instances(instanceIds),
                instanceIds, STEP_WAIT);
        JsonNode last = null;
        for (CommandResult r : results) {
            if (!"Success".equals(r.status())) {
                throw new IllegalStateException("adoption stopped at " + what + " (" + document + ") on "
                        + hosts.get(r.instanceId())
                        + ": " + firstLine((r.stderr().isBlank() ? r.status() + " " + r.statusDetails() : r.stderr()).strip())
                        + "; what was done before stays; fix it and run adopt --apply again (every step is idempotent)");
            }
            try {
                last = JSON.readTree(lastLine(r.stdout()));
            } catch (IOException e) {
                last = null;
            }
        }
        out.println("  " + what + ": done on " + String.join(", ", hosts.values()));
        return last;
    }

    private static void collect(Map<String, List<String>> pending, Node node, JsonNode result) {
        if (result != null) {
            result.path("pendingRestart").forEach(p -> {
                List<String> names = pending.computeIfAbsent(node.name(), n -> new ArrayList<>());
                if (!names.contains(p.asText())) {
                    names.add(p.asText());
                }
            });
        }
    }

    /** pgpilot-boot.sh, as BootGate's gate parameter: gzip, then base64 (a parameter holds text only). */
    static String bootGate() {
        try (InputStream in = Adopt.class.getResourceAsStream("pgpilot-boot.sh")) {
            if (in == null) {
                throw new IllegalStateException("pgpilot-boot.sh is missing from ctl's classpath: rebuild ctl");
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
                in.transferTo(gzip);
            }
            return Base64.getEncoder().encodeToString(bytes.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String lastLine(String text) {
        return text.strip().lines().reduce((a, b) -> b).orElse("");
    }

    private static String firstLine(String text) {
        int end = text.indexOf('\n');
        return end < 0 ? text : text.substring(0, end);
    }
}

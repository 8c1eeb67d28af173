package io.pgpilot.ctl;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.pgpilot.adapters.AwsClients;
import io.pgpilot.adapters.DynamoDbHistoryLog;
import io.pgpilot.adapters.DynamoDbMaintenanceMode;
import io.pgpilot.adapters.DynamoDbPrimaryRecords;
import io.pgpilot.adapters.Ec2Instances;
import io.pgpilot.adapters.SsmCommands;
import io.pgpilot.config.ClusterConfig;
import io.pgpilot.core.Adoption;
import io.pgpilot.core.Maintenance;
import io.pgpilot.core.Request;
import io.pgpilot.core.ports.HistoryEntry;
import io.pgpilot.core.ports.MaintenanceMode;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * {@code pgpilot ctl --cluster NAME COMMAND [--json]}: what an operator asks of a deployed cluster,
 * through the functions' own adapters and the AWS APIs (region, credentials and endpoint from the
 * SDK's default chain, so the lab's emulator is a deployed cluster to it).
 * <pre>
 *   list                 every node: role, upstream, state, timeline, lag, and pgpilot's knowledge
 *   history [-n N]       the last decisions, newest first, with their reasons and phase times
 *   switchover TARGET    the deployed Switchover function, awaited
 *   backup TYPE          the deployed Backup function (full, diff or incr): a backup from a standby
 *   pause [--for D]      maintenance mode (D: 30m, 4h, 2d; at most 7 days), until resumed or D
 *   resume               the end of maintenance mode
 *   adopt [--nodes A,B]  a cluster built by hand made a pgpilot cluster: its nodes (Name tags or instance
 *                        ids; default: those already tagged) inspected, the plan printed; --apply makes it
 * </pre>
 * Exit status 0 done, 1 the cluster or AWS failed it, 2 bad input or a refused precondition (nothing
 * changed).
 */
public final class Ctl {

    /** The deployed functions ctl invokes, by their handler classes (functions/.../handlers). */
    public enum Handler {
        SWITCHOVER("io.pgpilot.handlers.SwitchoverHandler"),
        BACKUP("io.pgpilot.handlers.BackupHandler");

        public final String handlerClass;

        Handler(String handlerClass) {
            this.handlerClass = handlerClass;
        }
    }

    /** What ctl needs of a cluster beyond the AWS APIs: its configuration, and its functions. */
    public interface Cluster {

        /** The configuration its functions run with. */
        ClusterConfig config();

        /** Invokes the cluster's {@code function} with {@code request} and returns its outcome as JSON fields. */
        Map<String, Object> invoke(Handler function, Map<String, Object> request);
    }

    /** Bad input or a refused precondition: one line, exit status 2, nothing changed. */
    public static final class Refused extends RuntimeException {
        public Refused(String message) {
            super(message);
        }
    }

    static final String USAGE = "usage: pgpilot ctl --cluster NAME list|history [-n N]|switchover TARGET"
            + "|backup full|diff|incr|pause [--for D]|resume|adopt [--nodes A,B,C] [--apply] [--json]";
    private static final Pattern DURATION = Pattern.compile("([0-9]{1,6})([mhd])");
    static final Duration LONGEST_PAUSE = Duration.ofDays(7);
    private static final int MOST_HISTORY = 100;

    private final ObjectMapper json = new ObjectMapper().findAndRegisterModules()
            .enable(SerializationFeature.INDENT_OUTPUT).disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private final Function<String, Cluster> locate;
    private final PrintStream out;
    private final Clock clock;

    public Ctl(Function<String, Cluster> locate, PrintStream out, Clock clock) {
        this.locate = locate;
        this.out = out;
        this.clock = clock;
    }

    public static void main(String[] args) {
        System.exit(forDeployedClusters(System.out).run(args, System.err));
    }

    /** ctl for the clusters deployed in the SDK's account and region. */
    public static Ctl forDeployedClusters(PrintStream out) {
        return new Ctl(DeployedCluster::locate, out, Clock.systemUTC());
    }

    /** Runs one command; its exit status. Errors go to {@code err} as one line. */
    public int run(String[] args, PrintStream err) {
        try {
            return execute(Arguments.parse(args));
        } catch (Refused e) {
            err.println("pgpilot ctl: " + e.getMessage());
            return 2;
        } catch (SdkClientException e) {
            String message = String.valueOf(e.getMessage());
            err.println("pgpilot ctl: " + (message.contains("Unable to load region")
                    ? "no AWS region: set AWS_REGION, or a region in the profile"
                    : message.contains("credentials")
                    ? "no AWS credentials: the SDK's default chain found none (set AWS_PROFILE, or"
                    + " AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
                    : "cannot reach AWS: " + firstLine(message)));
            return 2;
        } catch (SdkException | IllegalStateException e) {
            err.println("pgpilot ctl: " + firstLine(e.getClass().getSimpleName() + ": " + e.getMessage()));
            return 1;
        }
    }

    private static String firstLine(String text) {
        int end = text.indexOf('\n');
        return end < 0 ? text : text.substring(0, end);
    }

    /** The command line, checked before anything is asked of AWS. */
    record Arguments(String cluster, String command, String target, int limit, Duration lasting, boolean json,
                     List<String> nodes, boolean apply) {

        static Arguments parse(String[] args) {
            String cluster = null;
            String command = null;
            String target = null;
            Integer limit = null;
            Duration lasting = null;
            boolean json = false;
            List<String> nodes = null;
            boolean apply = false;
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--cluster" -> cluster = value(args, ++i, "--cluster needs a cluster name");
                    case "--json" -> json = true;
                    case "--apply" -> apply = true;
                    case "--nodes" -> nodes = nodes(value(args, ++i, "--nodes needs instance names or ids: A,B,C"));
                    case "-n" -> limit = count(value(args, ++i, "-n needs a number"));
                    case "--for" -> lasting = duration(value(args, ++i, "--for needs a duration such as 30m, 4h or 2d"));
                    default -> {
                        if (arg.startsWith("-")) {
                            throw new Refused("unknown option " + arg + "; " + USAGE);
                        } else if (command == null) {
                            command = arg;
                        } else if (("switchover".equals(command) || "backup".equals(command)) && target == null) {
                            target = arg;
                        } else {
                            throw new Refused("unexpected argument " + arg + "; " + USAGE);
                        }
                    }
                }
            }
            if (cluster == null || !cluster.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
                throw new Refused(cluster == null ? "--cluster NAME is required; " + USAGE
                        : "--cluster " + cluster + " is not a cluster name (1 to 63 letters, digits, '.', '_', '-')");
            }
            if (command == null || !List.of("list", "history", "switchover", "backup", "pause", "resume", "adopt")
                    .contains(command)) {
                throw new Refused((command == null ? "no command" : "unknown command " + command) + "; " + USAGE);
            }
            if ("switchover".equals(command) && target == null) {
                throw new Refused("switchover needs the standby to promote: switchover TARGET");
            }
            if ("backup".equals(command) && !Request.Backup.TYPES.contains(String.valueOf(target))) {
                throw new Refused("backup needs its type, full, diff or incr" + (target == null ? "" : ", not " + target));
            }
            if (limit != null && !"history".equals(command) || lasting != null && !"pause".equals(command)) {
                throw new Refused((limit != null ? "-n" : "--for") + " does not apply to " + command + "; " + USAGE);
            }
            if ((nodes != null || apply) && !"adopt".equals(command)) {
                throw new Refused((apply ? "--apply" : "--nodes") + " does not apply to " + command + "; " + USAGE);
            }
            return new Arguments(cluster, command, target, limit == null ? 10 : limit, lasting, json,
                    nodes == null ? List.of() : nodes, apply);
        }

        private static String value(String[] args, int i, String missing) {
            if (i >= args.length) {
                throw new Refused(missing);
            }
            return args[i];
        }

        /** Instance ids or Name tags, checked before they reach an EC2 filter. */
        private static List<String> nodes(String text) {
            List<String> nodes = List.of(text.split(",", -1));
            for (String node : nodes) {
                if (!node.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
                    throw new Refused("--nodes " + text + ": each node is an instance id or a Name tag (letters, digits,"
                            + " '.', '_', '-'), comma-separated");
                }
            }
            if (nodes.size() > 16 || nodes.stream().distinct().count() != nodes.size()) {
                throw new Refused("--nodes " + text + ": at most 16 nodes, each once");
            }
            return nodes;
        }

        private static int count(String text) {
            if (!text.matches("[0-9]{1,3}") || Integer.parseInt(text) < 1 || Integer.parseInt(text) > MOST_HISTORY) {
                throw new Refused("-n " + text + ": expected a number from 1 to " + MOST_HISTORY);
            }
            return Integer.parseInt(text);
        }

        static Duration duration(String text) {
            Matcher m = DURATION.matcher(text);
            if (!m.matches()) {
                throw new Refused("--for " + text + ": expected a positive duration such as 30m, 4h or 2d");
            }
            long amount = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
            if (d.isZero() || d.compareTo(LONGEST_PAUSE) > 0) {
                throw new Refused("--for " + text + ": a pause lasts more than 0 and at most 7 days (longer: pause"
                        + " without --for, until resumed)");
            }
            return d;
        }
    }

    private int execute(Arguments args) {
        Cluster cluster = locate.apply(args.cluster());
        ClusterConfig config = cluster.config();
        MaintenanceMode maintenance = new DynamoDbMaintenanceMode(config.stateTable());
        return switch (args.command()) {
            case "list" -> print(args, status(config, maintenance));
            case "history" -> history(args, config);
            case "switchover" -> switchover(args, cluster, config);
            case "backup" -> invoked(args, cluster.invoke(Handler.BACKUP, Map.of("type", args.target())));
            case "pause" -> pause(args, config, maintenance);
            case "adopt" -> adopt(args, config);
            default -> resume(args, config, maintenance);
        };
    }

    /** The cluster as its nodes and pgpilot's state table show it now. */
    private ClusterStatus.Report status(ClusterConfig config, MaintenanceMode maintenance) {
        return new ClusterStatus(config, new Ec2Instances(), new SsmCommands(config.names()),
                new DynamoDbPrimaryRecords(config.stateTable()), new DynamoDbHistoryLog(config.stateTable()),
                maintenance, clock).read();
    }

    private int print(Arguments args, ClusterStatus.Report report) {
        out.println(args.json() ? write(report) : report.table());
        return 0;
    }

    private int history(Arguments args, ClusterConfig config) {
        List<HistoryEntry> entries = new DynamoDbHistoryLog(config.stateTable()).recent(config.cluster(), args.limit());
        if (args.json()) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (HistoryEntry e : entries) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("startedAt", e.startedAt().toString());
                row.put("outcome", e.outcome());
                row.put("primary", e.primary());
                row.put("reason", e.reason());
                row.put("steps", e.steps());
                Map<String, Long> phases = new LinkedHashMap<>();
                e.phases().forEach((phase, took) -> phases.put(phase, took.toMillis()));
                row.put("phasesMs", phases);
                rows.add(row);
            }
            out.println(write(rows));
            return 0;
        }
        if (entries.isEmpty()) {
            out.println("cluster " + config.cluster() + ": no decision recorded yet");
        }
        for (HistoryEntry e : entries) {
            Duration total = e.phases().get("total");
            out.println(e.startedAt() + "  " + e.outcome() + (e.primary() == null ? "" : ", primary " + e.primary())
                    + (total == null ? "" : ", " + total.toMillis() + " ms") + "\n    " + e.reason());
        }
        return 0;
    }

    private int switchover(Arguments args, Cluster cluster, ClusterConfig config) {
        ClusterStatus.Report report = status(config, new DynamoDbMaintenanceMode(config.stateTable()));
        String why = report.whyNotATarget(args.target());
        if (why != null) {
            throw new Refused("switchover to " + args.target() + " refused: " + why + "; nothing changed");
        }
        return invoked(args, cluster.invoke(Handler.SWITCHOVER, Map.of("target", args.target())));
    }

    /** A function's outcome, printed; done when it completed. */
    private int invoked(Arguments args, Map<String, Object> outcome) {
        out.println(args.json() ? write(outcome) : outcome.get("action") + ": " + outcome.get("reason")
                + (outcome.get("steps") instanceof List<?> steps && !steps.isEmpty() ? "\n    " + steps.get(0) : ""));
        return "COMPLETED".equals(outcome.get("action")) ? 0 : 1;
    }

    private int adopt(Arguments args, ClusterConfig config) {
        if (config.engine() == ClusterConfig.Engine.AURORA) {
            throw new Refused("cluster " + config.cluster() + " runs on Aurora, whose instances AWS manages: there is"
                    + " nothing to adopt; nothing changed");
        }
        Adopt adopt = new Adopt(config, new AdoptedInstances(), new SsmCommands(config.names()), out);
        Adoption.Plan plan = adopt.plan(args.nodes());
        if (!args.json()) {
            out.print(adopt.describe(plan, args.apply()));
        }
        if (plan.refused() || !args.apply()) {
            if (args.json()) {
                out.println(write(plan));
            }
            return plan.refused() ? 2 : 0;
        }
        Map<String, List<String>> pending = adopt.apply(plan);
        if (args.json()) {
            Map<String, Object> applied = new LinkedHashMap<>();
            applied.put("plan", plan);
            applied.put("pendingRestart", pending);
            out.println(write(applied));
            return 0;
        }
        out.println("cluster " + config.cluster() + " adopted: pgpilot watches " + String.join(", ",
                plan.nodes().stream().map(Adoption.Node::name).toList()) + " and fails it over");
        pending.forEach((node, names) -> out.println("  " + node + " waits for a restart for " + String.join(", ", names)
                + ": restart it when convenient (a standby any time; the primary after a switchover)"));
        return 0;
    }

    private int pause(Arguments args, ClusterConfig config, MaintenanceMode maintenance) {
        Instant now = clock.instant();
        String by;
        try (StsClient sts = AwsClients.fromEnvironment(StsClient.builder())) {
            by = sts.getCallerIdentity().arn();
        }
        Maintenance paused = new Maintenance(now, by, args.lasting() == null ? null : now.plus(args.lasting()));
        maintenance.pause(config.cluster(), paused);
        return said(args, config, paused, "cluster " + config.cluster() + " " + paused.describe()
                + ": pgpilot observes, records and tells, and changes nothing in it");
    }

    private int resume(Arguments args, ClusterConfig config, MaintenanceMode maintenance) {
        if (!maintenance.resume(config.cluster(), clock.instant())) {
            throw new Refused("cluster " + config.cluster() + " is not paused; nothing changed");
        }
        return said(args, config, null, "cluster " + config.cluster() + " resumed: pgpilot acts on what it finds");
    }

    private int said(Arguments args, ClusterConfig config, Maintenance maintenance, String text) {
        if (args.json()) {
            Map<String, Object> state = new LinkedHashMap<>();
            state.put("cluster", config.cluster());
            state.put("maintenance", ClusterStatus.maintenance(maintenance));
            out.println(write(state));
        } else {
            out.println(text);
        }
        return 0;
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
        }
    }
}

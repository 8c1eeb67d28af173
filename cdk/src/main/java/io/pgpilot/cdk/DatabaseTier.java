package io.pgpilot.cdk;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.secretsmanager.ISecret;

/** What the pgpool fleet, the automation and the alarms need from either database tier. */
public interface DatabaseTier {

  /** PostgreSQL's port on every node (and pgpool's backends). */
  int PORT = 5432;

  /** The role probes and health checks log in as (pg_monitor): the monitor secret's username. */
  String MONITOR_USER = "pgpilot_monitor";

  /** One pgpool backend: HOST:PORT:WEIGHT:FLAG as pgpilot-PgpoolBackends takes it. */
  record Backend(String host, int weight, String flag) {
    String item() {
      return host + ":" + PORT + ":" + weight + ":" + flag;
    }

    static String items(List<Backend> backends) {
      return backends.stream().map(Backend::item).collect(Collectors.joining(","));
    }

    /**
     * Streaming-replication nodes as pgpool's backends: node-id order is name order (the functions'
     * Inventory, the pgpool hosts' boot), and the primary takes writes only.
     */
    static List<Backend> streaming(List<String> names, String primary) {
      return names.stream().sorted()
          .map(name -> new Backend(name, name.equals(primary) ? 0 : 1, "ALLOW_TO_FAILOVER"))
          .toList();
    }
  }

  /** UpdateHosts entries of nodes by name ("ADDRESS NAME", the primary also called pg-primary). */
  static String hostsEntries(Map<String, String> addresses, String primary) {
    List<String> entries = new ArrayList<>();
    addresses.forEach((name, ip) -> entries.add(ip + " " + name + (name.equals(primary) ? " pg-primary" : "")));
    return String.join(",", entries);
  }

  /** A database node that EC2 runs (none for Aurora). */
  record Node(String name, String instanceId, String privateIp, String role, boolean primary) {
  }

  /** Accepts 5432 only from what {@link #allowFrom} names. */
  ISecurityGroup securityGroup();

  /** Opens 5432 to one more security group (pgpool, the Lambdas). */
  void allowFrom(ISecurityGroup peer, String why);

  /** {"username","password"} of the role that probes and health checks log in with. */
  ISecret monitorSecret();

  /** {"username","password"} of the logins pgpool registers in pool_passwd besides the monitor. */
  List<ISecret> clientSecrets();

  /** pgpool's backends in node-id order. */
  List<Backend> backends();

  /** UpdateHosts entries ("ADDRESS NAME [ALIAS]", comma-separated) hosts start with; empty for Aurora. */
  String hostsEntries();

  /** The EC2 nodes; empty for Aurora. */
  List<Node> nodes();
}

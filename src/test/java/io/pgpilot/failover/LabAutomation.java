package io.pgpilot.failover;

import io.pgpilot.core.ClusterNames;
import io.pgpilot.handlers.EventRouter;
import io.pgpilot.lab.Lab;
import io.pgpilot.lab.ssm.DocumentDeployer;
import io.pgpilot.lab.ssm.Emulator;
import io.pgpilot.lab.ssm.LabSsmService;
import io.pgpilot.runner.Outcome;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/** What the deployed automation has, for the lab: its SSM documents and its functions' environment. */
public final class LabAutomation {

  /** The lab cluster's names (lab.sh's default PGPILOT_LAB_CLUSTER): its documents are pgpilot-lab-*. */
  public static final ClusterNames NAMES = new ClusterNames("lab");

  private LabAutomation() {
  }

  /** The documents as CDK deploys them; a recreated lab has a fresh emulator. */
  public static void deployDocuments() {
    try (Emulator deployTo = new Emulator(URI.create(System.getenv("AWS_ENDPOINT_URL")))) {
      DocumentDeployer.deploy(deployTo.ssm(System.getenv().getOrDefault("AWS_REGION", "us-east-1")),
          Path.of("..", "..", "ssm-documents"), NAMES);
    }
  }

  /**
   * Run Command served by the lab SSM service, which runs the documents on the lab hosts; every
   * other client still reads AWS_ENDPOINT_URL (the emulator), as with ./pgpilot invoke. Closing it
   * stops the service and sends SSM to the emulator again.
   */
  public static final class ServedSsm implements AutoCloseable {
    private final LabSsmService service;

    private ServedSsm() throws IOException {
      service = new LabSsmService(0, URI.create(System.getenv("AWS_ENDPOINT_URL")));
      System.setProperty("aws.endpointUrlSsm", service.start().toString());
    }

    @Override
    public void close() {
      System.clearProperty("aws.endpointUrlSsm");
      service.close();
    }
  }

  public static ServedSsm serveSsm() throws IOException {
    return new ServedSsm();
  }

  /** The monitor's looks, outside its schedule, until one acts or holds (a crash is confirmed over a few rounds). */
  public static Outcome monitorUntilItDecides(EventRouter router, String name) throws InterruptedException {
    Outcome outcome = null;
    for (int i = 0; i < 20; i++) {
      outcome = router.monitor(name + "-" + i);
      if (outcome.action() != Outcome.Action.OBSERVED && outcome.action() != Outcome.Action.REFUSED) {
        return outcome;
      }
      Thread.sleep(300);
    }
    return outcome;
  }

  /** What a deployed function's environment holds, for this lab (./pgpilot lab env). */
  public static Map<String, String> environment(Lab lab) {
    Map<String, String> env = new HashMap<>();
    lab.must("env").lines().map(l -> l.split("=", 2)).forEach(kv -> env.put(kv[0], kv[1]));
    env.put("PGPILOT_PROBE_INTERVAL_MS", "200");
    return env;
  }

  /** Commits rows FROM to TO into TABLE (made if missing) through pgpool, as an application would. */
  public static void writeRows(Lab lab, String table, int from, int to) throws Exception {
    try (Connection c = lab.connectPgpool(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS " + table + " (id int PRIMARY KEY)");
      s.execute("INSERT INTO " + table + " SELECT generate_series(" + from + ", " + to + ") ON CONFLICT DO NOTHING");
    }
  }

  /** The rows of TABLE on NODE itself. */
  public static int countRows(Lab lab, String node, String table) throws Exception {
    try (Connection c = lab.connectNode(node); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      return rs.getInt(1);
    }
  }
}

package io.pgpilot.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.pgpilot.adapters.Emulator;
import io.pgpilot.cdk.SmokeDeploy;
import io.pgpilot.config.ClusterConfig;
import io.pgpilot.handlers.EventRouter;
import io.pgpilot.lab.Lab;
import io.pgpilot.lab.LabExtension;
import io.pgpilot.runner.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Output;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * Two clusters in one account and region: the lab's, and a second that the smoke deploy puts beside
 * it, into the lab's region. A failover of the lab's cluster by its automation leaves the other's
 * state table, instance tags, documents and secrets as they were.
 */
@ExtendWith(LabExtension.class)
class ClustersSideBySideIT {

  private static final Region REGION = Region.of(System.getenv().getOrDefault("AWS_REGION", "us-east-1"));
  private static final String SUFFIX = "sb" + UUID.randomUUID().toString().replace("-", "").substring(0, 4);
  private static final String OTHER = "smoke-" + SUFFIX;
  private static Lab lab;
  private static LabAutomation.ServedSsm ssm;
  private static boolean deployed;

  @BeforeAll
  static void deployASecondClusterBesideTheLabs(Lab theLab) throws Exception {
    lab = theLab;
    SmokeDeploy.Run run = SmokeDeploy.run(REGION, "--keep", SUFFIX);
    assertEquals(0, run.exit(), run.stderr());
    deployed = true;
    LabAutomation.deployDocuments();
    ssm = LabAutomation.serveSsm();
  }

  @AfterAll
  static void destroy() throws Exception {
    if (ssm != null) {
      ssm.close();
    }
    // Before the lab is recreated: that starts a fresh emulator, without the stacks to destroy.
    SmokeDeploy.Run run = deployed ? SmokeDeploy.run(REGION, "--destroy", SUFFIX) : null;
    lab.recreate();
    if (run != null) {
      assertEquals(0, run.exit(), run.stderr());
    }
  }

  @Test
  void aFailoverOfTheLabsClusterLeavesTheOtherClustersStateAsItWas() throws Exception {
    List<String> before = state();
    assertFalse(before.isEmpty());
    EventRouter router = EventRouter.from(ClusterConfig.from(LabAutomation.environment(lab)), System.out);

    lab.must("fault", "crash", "pg1");
    Outcome outcome = LabAutomation.monitorUntilItDecides(router, "side-by-side-it");

    assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome.reason());
    Lab.await(Duration.ofSeconds(20), "pg2 answers as primary", () -> "primary".equals(lab.status().node("pg2").role()));
    assertEquals(before, state(), "the other cluster, after the lab's failover");
  }

  /** What the other cluster has: its table's items, its instances' tags, its documents, its secrets. */
  private static List<String> state() {
    List<String> state = new ArrayList<>();
    try (CloudFormationClient cfn = Emulator.client(CloudFormationClient.builder().region(REGION));
         DynamoDbClient dynamo = Emulator.client(DynamoDbClient.builder().region(REGION));
         Ec2Client ec2 = Emulator.client(Ec2Client.builder().region(REGION));
         SsmClient documents = Emulator.client(SsmClient.builder().region(REGION));
         SecretsManagerClient secrets = Emulator.client(SecretsManagerClient.builder().region(REGION))) {
      Map<String, String> outputs = cfn.describeStacks(r -> r.stackName("pgpilot-" + OTHER)).stacks().get(0).outputs()
          .stream().collect(Collectors.toMap(Output::outputKey, Output::outputValue));
      state.add("items " + dynamo.scan(r -> r.tableName(outputs.get("StateTable"))).items());
      ec2.describeInstances(r -> r.filters(Filter.builder().name("tag:pgpilot:cluster").values(OTHER).build()))
          .reservations().forEach(reservation -> reservation.instances().forEach(i -> state.add(i.instanceId() + " "
              + new TreeMap<>(i.tags().stream().collect(Collectors.toMap(t -> t.key(), t -> t.value()))))));
      documents.listDocuments(r -> r.filters(f -> f.key("Owner").values("Self"))).documentIdentifiers().stream()
          .filter(d -> d.name().startsWith("pgpilot-" + OTHER + "-"))
          .forEach(d -> state.add(d.name() + " v" + d.documentVersion()));
      secrets.listSecrets().secretList().stream().filter(s -> s.name().startsWith("pgpilot/" + OTHER + "/"))
          .forEach(s -> state.add(s.name() + " " + s.lastChangedDate()));
    }
    return state;
  }
}

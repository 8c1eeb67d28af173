package io.pgpilot.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpilot.adapters.DynamoDbHistoryLog;
import io.pgpilot.adapters.Emulator;
import io.pgpilot.config.ClusterConfig;
import io.pgpilot.core.ports.HistoryEntry;
import io.pgpilot.handlers.AlarmHandler;
import io.pgpilot.handlers.EventRouter;
import io.pgpilot.lab.LabExtension;
import io.pgpilot.lab.invoke.LocalContext;
import io.pgpilot.runner.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBCluster;
import software.amazon.awssdk.services.rds.model.DBClusterMember;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Aurora mode end to end: an aurora-postgresql DB cluster (a writer and two readers) in the
 * emulator, a CloudWatch alarm of the cluster in ALARM delivered to the alarm handler, and the
 * real workflow with the real adapters: FailoverDBCluster to the chosen reader, the history in
 * DynamoDB, the notification through SNS.
 *
 * <p>The emulator cannot make a writer unhealthy, and its cluster endpoint
 * (NAME.cluster-ID.REGION.rds.amazonaws.com) resolves nowhere, so it never answers: that is what
 * a dead writer's endpoint looks like to the probe, and with database credentials configured
 * (PGPILOT_DB_SECRET) the probe rounds confirm the failure while RDS still reports the writer
 * available. The alarm itself only starts the run; it never confirms.
 */
@ExtendWith(LabExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuroraFailoverIT {

  private static final Path EVENTS = Path.of("..", "..", "functions", "src", "test", "resources", "events");
  private static final ObjectMapper JSON = new ObjectMapper();

  private static RdsClient rds;
  private static DynamoDbClient dynamo;
  private static SnsClient sns;
  private static SqsClient sqs;
  private static SecretsManagerClient secrets;

  private static String suffix;
  private static String cluster;
  private static String dbCluster;
  private static String table;
  private static String topicArn;
  private static String queueUrl;
  private static String secret;
  private static final List<String> instances = new ArrayList<>();
  private static String alarmEvent;

  @BeforeAll
  static void createTheAuroraClusterAndTheAutomationsResources() throws Exception {
    rds = Emulator.client(RdsClient.builder());
    dynamo = Emulator.client(DynamoDbClient.builder());
    sns = Emulator.client(SnsClient.builder());
    sqs = Emulator.client(SqsClient.builder());
    secrets = Emulator.client(SecretsManagerClient.builder());
    suffix = UUID.randomUUID().toString().substring(0, 8);
    cluster = "aurora-it-" + suffix;
    dbCluster = "pgpilot-it-" + suffix;

    rds.createDBCluster(r -> r.dbClusterIdentifier(dbCluster).engine("aurora-postgresql").engineVersion("15.4")
        .masterUsername("pgpilot").manageMasterUserPassword(true));
    // The writer and one reader share a zone; the other reader is alone in its own and last in Aurora's tiers.
    createInstance(dbCluster + "-a", "us-east-1a", 1);
    createInstance(dbCluster + "-b", "us-east-1a", 0);
    createInstance(dbCluster + "-c", "us-east-1b", 2);

    table = Emulator.createStateTable(dynamo);
    topicArn = sns.createTopic(r -> r.name("pgpilot-it-" + suffix)).topicArn();
    queueUrl = sqs.createQueue(r -> r.queueName("pgpilot-it-" + suffix)).queueUrl();
    String queueArn = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
        .attributes().get(QueueAttributeName.QUEUE_ARN);
    sns.subscribe(r -> r.topicArn(topicArn).protocol("sqs").endpoint(queueArn));
    // The probe's login; the value is made up here and exists only in the emulator.
    secret = "pgpilot/it/" + suffix;
    String login = JSON.writeValueAsString(Map.of("username", "pgpilot_probe",
        "password", UUID.randomUUID().toString()));
    secrets.createSecret(r -> r.name(secret).secretString(login));

    alarmEvent = Files.readString(EVENTS.resolve("cloudwatch-alarm-state-change.json"))
        .replace("pgpilot-lab-primary-reachable", "pgpilot-" + cluster + "-writer-reachable")
        .replace("\"Cluster\": \"lab\"", "\"Cluster\": \"" + cluster + "\"");
  }

  @AfterAll
  static void removeWhatTheTestCreated() {
    List<Runnable> cleanups = new ArrayList<>();
    instances.forEach(id -> cleanups.add(() -> rds.deleteDBInstance(r -> r.dbInstanceIdentifier(id)
        .skipFinalSnapshot(true))));
    cleanups.add(() -> rds.deleteDBCluster(r -> r.dbClusterIdentifier(dbCluster).skipFinalSnapshot(true)));
    cleanups.add(() -> dynamo.deleteTable(r -> r.tableName(table)));
    cleanups.add(() -> sns.deleteTopic(r -> r.topicArn(topicArn)));
    cleanups.add(() -> sqs.deleteQueue(r -> r.queueUrl(queueUrl)));
    cleanups.add(() -> secrets.deleteSecret(r -> r.secretId(secret).forceDeleteWithoutRecovery(true)));
    for (Runnable cleanup : cleanups) {
      try {
        cleanup.run();
      } catch (RuntimeException e) {
        // Names are unique per run and the emulator is reset with the lab: nothing depends on this.
        System.err.println("cleanup: " + e);
      }
    }
    for (AutoCloseable c : new AutoCloseable[] {rds, dynamo, sns, sqs, secrets}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        System.err.println("close: " + e);
      }
    }
  }

  @Test
  @Order(1)
  void writerWhoseEndpointDoesNotAnswerIsFailedOverToTheReaderOutsideItsZone() throws Exception {
    assertEquals(dbCluster + "-a", writer(), "the first instance is the writer");

    Outcome outcome = handle(event("first-delivery"));

    String chosen = dbCluster + "-c";
    assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome.reason());
    assertEquals(chosen, outcome.primary(), outcome.reason());
    assertTrue(outcome.reason().contains("the cluster endpoint did not answer in any of 3 probe rounds"),
        outcome.reason());
    assertTrue(outcome.reason().contains("outside the failed writer's zone us-east-1a"), outcome.reason());
    assertEquals(chosen, writer(), "the emulator's cluster has the chosen reader as writer");

    List<HistoryEntry> history = history();
    assertEquals(1, history.size(), history::toString);
    HistoryEntry entry = history.get(0);
    assertEquals("completed", entry.outcome());
    assertEquals(chosen, entry.primary());
    assertTrue(entry.steps().get(0).startsWith("FailoverDbCluster[clusterId=" + dbCluster + ", from=" + dbCluster
        + "-a, target=" + chosen + "]: DONE: "), entry.steps()::toString);
    assertTrue(entry.phases().containsKey("promote"), entry.phases()::toString);

    List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10)
        .waitTimeSeconds(2)).messages();
    assertEquals(1, messages.size(), messages::toString);
    JsonNode notice = JSON.readTree(messages.get(0).body());
    assertEquals("pgpilot " + cluster + ": Aurora failover from " + dbCluster + "-a to " + chosen,
        notice.path("Subject").asText());
  }

  @Test
  @Order(2)
  void theSameEventAgainAndAnotherAlarmChangeNothing() {
    String chosen = dbCluster + "-c";

    Outcome redelivered = handle(event("first-delivery"));
    Outcome another = handle(event("another-delivery"));

    assertEquals(Outcome.Action.DUPLICATE, redelivered.action(), redelivered.reason());
    assertEquals(chosen, redelivered.primary());
    assertEquals(Outcome.Action.NO_OP, another.action(), another.reason());
    assertEquals(chosen, another.primary());
    assertEquals(chosen, writer(), "still the writer: nothing failed over again");
    assertEquals(1, history().size(), "a repeat records nothing");
    assertEquals(List.of(), sqs.receiveMessage(r -> r.queueUrl(queueUrl).waitTimeSeconds(1)).messages(),
        "and tells nobody");
  }

  // ------------------------------------------------------------------------------------ helpers

  private static Outcome handle(String json) {
    ScheduledEvent event = LambdaEventSerializers.serializerFor(ScheduledEvent.class,
        AuroraFailoverIT.class.getClassLoader()).fromJson(json);
    return new AlarmHandler(EventRouter.from(ClusterConfig.from(environment())))
        .handleRequest(event, new LocalContext(AlarmHandler.class.getName()));
  }

  /** The documented alarm event with a delivery id of our own. */
  private static String event(String delivery) {
    return alarmEvent.replace("c4c1c1c9-6542-e61b-6ef0-8c4d36933a92",
        UUID.nameUUIDFromBytes((delivery + suffix).getBytes()).toString());
  }

  /** What a deployed function's environment holds in Aurora mode. */
  private static Map<String, String> environment() {
    Map<String, String> env = new HashMap<>();
    env.put("PGPILOT_CLUSTER", cluster);
    env.put("PGPILOT_ENGINE", "aurora");
    env.put("PGPILOT_AURORA_CLUSTER_ID", dbCluster);
    env.put("PGPILOT_STATE_TABLE", table);
    env.put("PGPILOT_TOPIC_ARN", topicArn);
    env.put("PGPILOT_DB_SECRET", secret);
    env.put("PGPILOT_DB_SSLMODE", "require");
    env.put("PGPILOT_PROBE_TIMEOUT_SECONDS", "1");
    env.put("PGPILOT_PROBE_INTERVAL_MS", "100");
    return env;
  }

  private static String writer() {
    DBCluster described = rds.describeDBClusters(r -> r.dbClusterIdentifier(dbCluster)).dbClusters().get(0);
    return described.dbClusterMembers().stream().filter(m -> Boolean.TRUE.equals(m.isClusterWriter()))
        .map(DBClusterMember::dbInstanceIdentifier).findFirst().orElse(null);
  }

  private static List<HistoryEntry> history() {
    return new DynamoDbHistoryLog(dynamo, table).recent(cluster, 10);
  }

  private static void createInstance(String id, String zone, int tier) {
    rds.createDBInstance(r -> r.dbInstanceIdentifier(id).dbClusterIdentifier(dbCluster).engine("aurora-postgresql")
        .dbInstanceClass("db.r6g.large").availabilityZone(zone).promotionTier(tier));
    instances.add(id);
  }

}

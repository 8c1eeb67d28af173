package io.pgpilot.cdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.pgpilot.adapters.CloudFormationResponses;
import io.pgpilot.adapters.Emulator;
import io.pgpilot.adapters.SecretValue;
import io.pgpilot.adapters.Secrets;
import io.pgpilot.core.ClusterNames;
import io.pgpilot.ctl.Ctl;
import io.pgpilot.handlers.ClusterCaHandler;
import io.pgpilot.lab.LabExtension;
import io.pgpilot.lab.ssm.SsmDocument;
import io.pgpilot.runner.Log;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Output;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.cloudformation.model.StackResourceSummary;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.MetricAlarm;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.Listener;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.LoadBalancer;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetGroup;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.Rule;
import software.amazon.awssdk.services.eventbridge.model.Target;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.GetAliasResponse;
import software.amazon.awssdk.services.lambda.model.GetFunctionEventInvokeConfigResponse;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.GetDocumentResponse;

/**
 * `cdk/smoke-deploy.sh` (`./pgpilot smoke-deploy`): the real cdk bootstrap and cdk deploy of the
 * ec2 engine against the emulator that AWS_ENDPOINT_URL names (the lab's: moto server and pgpilot's
 * CloudFormation providers), then, through the ordinary APIs, what the stack made there. A smoke
 * test, not proof: no instance boots, no function runs, IAM is not enforced (README, "Smoke deploy").
 */
@ExtendWith(LabExtension.class)
class SmokeDeployIT {

  private static final Path ROOT = SmokeDeploy.ROOT;
  /** Not us-east-1, where the lab's cluster lives: this test deletes what it made, and checks that it did. */
  private static final Region REGION = Region.US_WEST_2;
  private static final String SUFFIX = "it" + UUID.randomUUID().toString().replace("-", "").substring(0, 4);
  private static final String CLUSTER = "smoke-" + SUFFIX;
  private static final String STACK = "pgpilot-" + CLUSTER;
  /** A second cluster beside the first, in the same account and region. */
  private static final String SUFFIX_B = "b" + SUFFIX.substring(2);
  private static final String CLUSTER_B = "smoke-" + SUFFIX_B;
  private static final String STACK_B = "pgpilot-" + CLUSTER_B;
  private static final ObjectMapper JSON = new ObjectMapper();

  private static boolean deployed;
  private static boolean deployedB;
  private static Stack stack;
  private static Map<String, StackResourceSummary> resources;

  @BeforeAll
  static void deploy() throws Exception {
    SmokeDeploy.Run run = smokeDeploy("--keep", SUFFIX);
    assertEquals(0, run.exit(), run.stderr());
    deployed = true;
    List<String> lines = run.stdout().lines().toList();
    assertEquals(STACK, lines.get(lines.size() - 1), "the script prints the stack's name");
    SmokeDeploy.Run second = smokeDeploy("--keep", SUFFIX_B);
    assertEquals(0, second.exit(), "a second cluster deploys beside the first: " + second.stderr());
    deployedB = true;
    try (CloudFormationClient cfn = Emulator.client(CloudFormationClient.builder().region(REGION))) {
      stack = cfn.describeStacks(r -> r.stackName(STACK)).stacks().get(0);
      resources = cfn.listStackResourcesPaginator(r -> r.stackName(STACK)).stackResourceSummaries().stream()
          .collect(Collectors.toMap(StackResourceSummary::logicalResourceId, s -> s, (a, b) -> a));
    }
  }

  @AfterAll
  static void destroy() throws Exception {
    SmokeDeploy.Run runB = smokeDeploy("--destroy", SUFFIX_B);
    SmokeDeploy.Run run = smokeDeploy("--destroy", SUFFIX);
    if (!deployed) {
      return;  // the deploy's own failure is the one to read
    }
    assertEquals(0, run.exit(), run.stderr());
    if (deployedB) {
      assertEquals(0, runB.exit(), runB.stderr());
    }
    try (CloudFormationClient cfn = Emulator.client(CloudFormationClient.builder().region(REGION));
         SsmClient ssm = Emulator.client(SsmClient.builder().region(REGION))) {
      Set<String> made = Set.of(STACK, STACK + "-toolkit", STACK_B, STACK_B + "-toolkit");
      assertTrue(cfn.listStacks().stackSummaries().stream().filter(s -> made.contains(s.stackName()))
          .allMatch(s -> s.stackStatusAsString().equals("DELETE_COMPLETE")), "the four stacks are deleted");
      assertTrue(ssm.listDocuments(r -> r.filters(f -> f.key("Owner").values("Self"))).documentIdentifiers()
          .stream().noneMatch(d -> d.name().startsWith("pgpilot-" + CLUSTER + "-")
              || d.name().startsWith("pgpilot-" + CLUSTER_B + "-")), "the SSM documents are deleted");
    }
  }

  @Test
  void theStackIsCreateCompleteWithEveryResourceOfItsTemplate() throws Exception {
    assertEquals("CREATE_COMPLETE", stack.stackStatusAsString());
    JsonNode template;
    try (CloudFormationClient cfn = Emulator.client(CloudFormationClient.builder().region(REGION))) {
      template = JSON.readTree(cfn.getTemplate(r -> r.stackName(STACK)).templateBody());
    }
    // moto lists a resource of a type it skipped with an empty logical id: none may be missing.
    Map<String, String> declared = new HashMap<>();
    template.get("Resources").fields()
        .forEachRemaining(e -> declared.put(e.getKey(), e.getValue().get("Type").asText()));
    assertEquals(declared.keySet(), resources.keySet());
    declared.forEach((id, type) -> assertEquals(type, resources.get(id).resourceType(), id));
    assertEquals(Set.of("PgpoolEndpoint", "AdminSecret", "StateTable", "Topic", "SwitchoverFunction"),
        outputs().keySet());
  }

  @Test
  void theDatabaseInstancesCarryThePgpilotTags() {
    try (Ec2Client ec2 = Emulator.client(Ec2Client.builder().region(REGION))) {
      Map<String, Map<String, String>> byName = databaseInstances(ec2).stream().map(SmokeDeployIT::tags)
          .collect(Collectors.toMap(t -> t.get("pgpilot:name"), t -> t));
      assertEquals(Set.of("pg1", "pg2", "pg3"), byName.keySet());
      assertEquals("primary", byName.get("pg1").get("pgpilot:role"));
      assertEquals("standby", byName.get("pg2").get("pgpilot:role"));
      assertEquals("pg1", byName.get("pg2").get("pgpilot:upstream"));
      assertEquals("true", byName.get("pg2").get("pgpilot:sync"));
      assertEquals("standby", byName.get("pg3").get("pgpilot:role"));
      assertEquals("pg2", byName.get("pg3").get("pgpilot:upstream"));
      // The pgpool hosts are the Auto Scaling group's (two by default), tagged with their role.
      assertEquals(2, ec2.describeInstancesPaginator(r -> r.filters(f -> f.name("tag:pgpilot:cluster").values(CLUSTER),
          f -> f.name("tag:pgpilot:role").values("pgpool"))).reservations().stream()
          .mapToLong(r -> r.instances().size()).sum());
    }
  }

  @Test
  void everySsmDocumentIsDeployedAsItsFileOncePerCluster() throws IOException {
    List<Path> paths;
    try (Stream<Path> files = Files.list(ROOT.resolve("ssm-documents"))) {
      paths = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertEquals(14, paths.size(), "every document of ssm-documents/: the failover's, the archive's and adoption's");
    try (SsmClient ssm = Emulator.client(SsmClient.builder().region(REGION))) {
      for (String cluster : List.of(CLUSTER, CLUSTER_B)) {
        for (Path path : paths) {
          SsmDocument file = SsmDocument.deployed(path, new ClusterNames(cluster));
          GetDocumentResponse document = ssm.getDocument(r -> r.name(file.name()));
          assertEquals("Command", document.documentTypeAsString(), file.name());
          assertEquals(parameters(file), parameters(SsmDocument.parse(file.name(), document.content())), file.name());
        }
      }
    }
  }

  @Test
  void theRulesSendTheirEventsToTheLiveAliases() throws Exception {
    try (EventBridgeClient events = Emulator.client(EventBridgeClient.builder().region(REGION));
         LambdaClient lambda = Emulator.client(LambdaClient.builder().region(REGION));
         Ec2Client ec2 = Emulator.client(Ec2Client.builder().region(REGION))) {
      List<Rule> all = events.listRules(r -> r.namePrefix(STACK + "-")).rules();
      // The backup schedule asks the Backup function, which picks the node; a failed backup is told on the topic.
      List<Rule> backups = all.stream().filter(r -> r.name().contains("Backups")).toList();
      assertEquals(Set.of("cron(0 3 ? * SUN *)", "cron(0 3 ? * MON-SAT *)"), backups.stream()
          .map(Rule::scheduleExpression).filter(e -> e != null).collect(Collectors.toSet()), backups.toString());
      assertEquals(3, backups.size(), backups.toString());
      for (Rule schedule : backups.stream().filter(r -> r.scheduleExpression() != null).toList()) {
        Target target = events.listTargetsByRule(r -> r.rule(schedule.name())).targets().get(0);
        assertTrue(target.arn().contains("Backup") && target.arn().endsWith(":live"), target.arn());
        assertTrue(target.input().matches("\\{\"type\":\"(full|diff)\"\\}"), target.input());
      }
      List<Rule> rules = all.stream().filter(r -> !backups.contains(r)).toList();
      assertEquals(4, rules.size(), rules.toString());
      Rule stateChanges = rule(rules, "InstanceStateRule");
      JsonNode pattern = JSON.readTree(stateChanges.eventPattern());
      assertEquals("aws.ec2", pattern.at("/source/0").asText());
      assertEquals("EC2 Instance State-change Notification", pattern.at("/detail-type/0").asText());
      assertEquals(databaseInstances(ec2).stream().map(Instance::instanceId).collect(Collectors.toSet()),
          texts(pattern.at("/detail/instance-id")));
      JsonNode alarms = JSON.readTree(rule(rules, "AlarmRule").eventPattern());
      assertEquals("CloudWatch Alarm State Change", alarms.at("/detail-type/0").asText());
      assertEquals("pgpilot-" + CLUSTER + "-", alarms.at("/detail/alarmName/0/prefix").asText());
      assertEquals("ALARM", alarms.at("/detail/state/value/0").asText());
      assertEquals("rate(1 minute)", rule(rules, "MonitorRule").scheduleExpression());
      JsonNode reports = JSON.readTree(rule(rules, "PgpoolSensorRule").eventPattern());
      assertEquals("pgpilot.pgpool", reports.at("/source/0").asText());
      assertEquals("pgpool backend down", reports.at("/detail-type/0").asText());
      assertEquals(CLUSTER, reports.at("/detail/cluster/0").asText());
      for (Rule rule : rules) {
        List<Target> targets = events.listTargetsByRule(r -> r.rule(rule.name())).targets();
        assertEquals(1, targets.size(), rule.name());
        String aliasArn = targets.get(0).arn();
        assertTrue(aliasArn.endsWith(":live"), aliasArn);
        String function = aliasArn.substring(0, aliasArn.length() - ":live".length());
        GetAliasResponse alias = lambda.getAlias(r -> r.functionName(function).name("live"));
        assertEquals(aliasArn, alias.aliasArn());
        assertEquals("1", alias.functionVersion());
        // Lambda lets this rule, and only it, invoke the alias.
        JsonNode policy = JSON.readTree(lambda.getPolicy(r -> r.functionName(function).qualifier("live")).policy());
        assertEquals(1, policy.get("Statement").size(), rule.name());
        assertEquals("events.amazonaws.com", policy.at("/Statement/0/Principal/Service").asText(), rule.name());
        assertEquals(rule.arn(), policy.at("/Statement/0/Condition/ArnLike/AWS:SourceArn").asText(), rule.name());
      }
      String switchover = outputs().get("SwitchoverFunction");
      assertTrue(switchover.endsWith(":live"), switchover);
    }
  }

  @Test
  void ctlFindsTheDeployedClusterByItsFunctionsAndPausesAndResumesIt() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream errors = new PrintStream(err, true, StandardCharsets.UTF_8);
    Ctl ctl = Ctl.forDeployedClusters(new PrintStream(out, true, StandardCharsets.UTF_8));
    // The stack's region, as AWS_REGION or a profile would give it; the system property comes first.
    System.setProperty("aws.region", REGION.id());
    try {
      assertEquals(0, ctl.run(new String[] {"--cluster", CLUSTER, "pause", "--for", "2h", "--json"}, errors), err::toString);
      JsonNode paused = JSON.readTree(out.toString(StandardCharsets.UTF_8));
      assertFalse(paused.at("/maintenance/by").asText().isBlank(), paused.toString());
      // The other cluster, beside it, is not paused: each has its own state.
      assertEquals(2, ctl.run(new String[] {"--cluster", CLUSTER_B, "resume"}, errors));
      assertTrue(err.toString(StandardCharsets.UTF_8).contains("not paused"), err::toString);
      assertEquals(0, ctl.run(new String[] {"--cluster", CLUSTER, "resume"}, errors), err::toString);
      assertEquals(2, ctl.run(new String[] {"--cluster", CLUSTER, "resume"}, errors));
      assertEquals(2, ctl.run(new String[] {"--cluster", CLUSTER + "-other", "history"}, errors));
      assertTrue(err.toString(StandardCharsets.UTF_8).contains(CLUSTER), err::toString);
      assertTrue(err.toString(StandardCharsets.UTF_8).contains(CLUSTER_B), err::toString);
    } finally {
      System.clearProperty("aws.region");
    }
  }

  @Test
  void theCaFunctionMakesTheCaInTheDeployedSecret() throws Exception {
    // The emulator stands in for the custom resource without running its function (moto would need
    // Docker): here the function's handler runs on the request CloudFormation would send it.
    String secret = physicalId("ClusterCaSecret");
    StackResourceSummary maker = resources.values().stream()
        .filter(r -> r.resourceType().equals("Custom::PgpilotClusterCa")).findFirst().orElseThrow();
    assertEquals(secret, maker.physicalResourceId(), "the resource is the secret");
    JsonNode properties;
    try (CloudFormationClient cfn = Emulator.client(CloudFormationClient.builder().region(REGION))) {
      JsonNode template = JSON.readTree(cfn.getTemplate(r -> r.stackName(STACK)).templateBody());
      properties = template.at("/Resources/" + maker.logicalResourceId() + "/Properties");
    }
    List<String> answers = new ArrayList<>();
    HttpServer cloudFormation = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    cloudFormation.createContext("/", exchange -> {
      answers.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    cloudFormation.start();
    try (SecretsManagerClient secrets = Emulator.client(SecretsManagerClient.builder().region(REGION))) {
      // CloudFormation gave the secret a generated password, as it does a secret made without a value.
      assertFalse(new Secrets(secrets).get(secret).reveal().contains("CERTIFICATE"), "no CA before the function ran");
      Map<String, Object> request = new HashMap<>();
      request.put("RequestType", "Create");
      request.put("ResponseURL", "http://127.0.0.1:" + cloudFormation.getAddress().getPort() + "/");
      request.put("StackId", stack.stackId());
      request.put("RequestId", UUID.randomUUID().toString());
      request.put("LogicalResourceId", "ClusterCaMaker");
      request.put("ResourceProperties", Map.of("SecretId", secret,
          "CommonName", properties.path("CommonName").asText()));
      new ClusterCaHandler(new Secrets(secrets), new CloudFormationResponses(), java.time.Clock.systemUTC(),
          new Log(System.out, java.time.Clock.systemUTC())).handleRequest(request, null);

      assertTrue(answers.get(0).contains("\"Status\":\"SUCCESS\""), answers::toString);
      SecretValue ca = new Secrets(secrets).get(secret);
      assertTrue(ca.field("certificate").startsWith("-----BEGIN CERTIFICATE-----"));
      assertTrue(ca.field("key").startsWith("-----BEGIN PRIVATE KEY-----"));
      assertEquals("pgpilot " + CLUSTER + " CA", properties.path("CommonName").asText());
    } finally {
      cloudFormation.stop(0);
    }
  }

  @Test
  void theTableAndTheTopicExist() throws Exception {
    try (DynamoDbClient dynamo = Emulator.client(DynamoDbClient.builder().region(REGION));
         SnsClient sns = Emulator.client(SnsClient.builder().region(REGION))) {
      List<KeySchemaElement> keys =
          dynamo.describeTable(r -> r.tableName(outputs().get("StateTable"))).table().keySchema();
      assertEquals(List.of("pk", "sk"), keys.stream().map(KeySchemaElement::attributeName).toList());
      Map<String, String> topic = sns.getTopicAttributes(r -> r.topicArn(outputs().get("Topic"))).attributes();
      // The topic policy (a provider's) refuses publishing without TLS.
      JsonNode policy = JSON.readTree(topic.get("Policy"));
      assertEquals("false", policy.at("/Statement/0/Condition/Bool/aws:SecureTransport").asText());
      assertEquals("Deny", policy.at("/Statement/0/Effect").asText());
    }
  }

  @Test
  void theAlarmsWatchTheNodesAndTheMonitor() {
    try (CloudWatchClient cloudwatch = Emulator.client(CloudWatchClient.builder().region(REGION));
         Ec2Client ec2 = Emulator.client(Ec2Client.builder().region(REGION))) {
      String prefix = "pgpilot-" + CLUSTER + "-";
      Map<String, MetricAlarm> alarms = cloudwatch.describeAlarms(r -> r.alarmNamePrefix(prefix)).metricAlarms()
          .stream().collect(Collectors.toMap(a -> a.alarmName().substring(prefix.length()), a -> a));
      assertEquals(Set.of("primary-unreachable", "pg1-status-check-failed", "pg2-status-check-failed",
          "pg3-status-check-failed", "pg2-replication-lag", "pg3-replication-lag"), alarms.keySet());
      assertEquals("PrimaryReachable", alarms.get("primary-unreachable").metricName());
      for (String node : List.of("pg1", "pg2", "pg3")) {
        MetricAlarm alarm = alarms.get(node + "-status-check-failed");
        String instance = alarm.dimensions().stream().filter(d -> d.name().equals("InstanceId"))
            .map(Dimension::value).findFirst().orElseThrow();
        Instance described =
            ec2.describeInstances(r -> r.instanceIds(instance)).reservations().get(0).instances().get(0);
        assertEquals(node, tags(described).get("pgpilot:name"));
      }
      // The dashboard's reference to the alarms resolved.
      assertTrue(cloudwatch.getDashboard(r -> r.dashboardName("pgpilot-" + CLUSTER + "-dashboard")).dashboardBody()
          .contains(alarms.get("primary-unreachable").alarmArn()));
    }
  }

  @Test
  void theFailureAlarmsNotifyTheTopicAndTheAlarmRuleMatchesNoneOfThem() throws Exception {
    try (CloudWatchClient cloudwatch = Emulator.client(CloudWatchClient.builder().region(REGION));
         EventBridgeClient events = Emulator.client(EventBridgeClient.builder().region(REGION))) {
      String prefix = "pgpilot." + CLUSTER + ".";
      Map<String, MetricAlarm> alarms = cloudwatch.describeAlarms(r -> r.alarmNamePrefix(prefix)).metricAlarms()
          .stream().collect(Collectors.toMap(a -> a.alarmName().substring(prefix.length()), a -> a));
      // The WAL archive's two, the monitor's readings of the primary's archive, and its Backup function's.
      Set<String> expected = new HashSet<>(Set.of("failed-events", "archive-failing", "archive-backlog"));
      for (String function : List.of("InstanceState", "Alarm", "Monitor", "PgpoolSensor", "Switchover", "Backup")) {
        expected.add(function + "-function-errors");
        expected.add(function + "-function-throttles");
      }
      assertEquals(expected, alarms.keySet());
      String rulePrefix = JSON.readTree(rule(events.listRules(r -> r.namePrefix(STACK + "-")).rules(), "AlarmRule")
          .eventPattern()).at("/detail/alarmName/0/prefix").asText();
      for (MetricAlarm alarm : alarms.values()) {
        assertEquals(List.of(outputs().get("Topic")), alarm.alarmActions(), alarm.alarmName());
        assertEquals("notBreaching", alarm.treatMissingData(), alarm.alarmName());
        // The Alarm function must not run a failover check on the automation's own failure.
        assertFalse(alarm.alarmName().startsWith(rulePrefix), alarm.alarmName() + " matches " + rulePrefix);
      }
      assertEquals("ApproximateNumberOfMessagesVisible", alarms.get("failed-events").metricName());
      assertEquals("ArchiveFailing", alarms.get("archive-failing").metricName());
      assertEquals("ArchiveWaitingSegments", alarms.get("archive-backlog").metricName());
    }
  }

  @Test
  void theAliasesEventBridgeInvokesSendFailedEventsToTheEncryptedQueue() throws Exception {
    try (SqsClient sqs = Emulator.client(SqsClient.builder().region(REGION));
         LambdaClient lambda = Emulator.client(LambdaClient.builder().region(REGION));
         EventBridgeClient events = Emulator.client(EventBridgeClient.builder().region(REGION))) {
      String url = resources.values().stream().filter(r -> r.resourceType().equals("AWS::SQS::Queue"))
          .map(StackResourceSummary::physicalResourceId).findFirst().orElseThrow();
      String queueUrl = sqs.getQueueUrl(r -> r.queueName(url.substring(url.lastIndexOf('/') + 1))).queueUrl();
      Map<QueueAttributeName, String> queue =
          sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.ALL)).attributes();
      assertTrue(queue.get(QueueAttributeName.KMS_MASTER_KEY_ID)
          .endsWith(":key/" + physicalId("ClusterAutomationKey")), queue.toString());
      assertEquals(String.valueOf(14 * 24 * 3600), queue.get(QueueAttributeName.MESSAGE_RETENTION_PERIOD));
      // The queue policy (a provider's) refuses every request without TLS.
      JsonNode policy = JSON.readTree(queue.get(QueueAttributeName.POLICY));
      assertEquals("Deny", policy.at("/Statement/0/Effect").asText());
      assertEquals("false", policy.at("/Statement/0/Condition/Bool/aws:SecureTransport").asText());
      // Each rule's alias (a provider's configuration): Lambda's retries, then the queue.
      Map<String, Integer> retries = Map.of("InstanceStateRule", 2, "AlarmRule", 2, "MonitorRule", 0, "PgpoolSensorRule", 2);
      List<Rule> rules = events.listRules(r -> r.namePrefix(STACK + "-")).rules();
      for (Map.Entry<String, Integer> expected : retries.entrySet()) {
        String aliasArn = events.listTargetsByRule(r -> r.rule(rule(rules, expected.getKey()).name()))
            .targets().get(0).arn();
        GetFunctionEventInvokeConfigResponse config =
            lambda.getFunctionEventInvokeConfig(r -> r.functionName(aliasArn));
        assertEquals(queue.get(QueueAttributeName.QUEUE_ARN), config.destinationConfig().onFailure().destination(),
            expected.getKey());
        assertEquals(expected.getValue(), config.maximumRetryAttempts(), expected.getKey());
      }
    }
  }

  @Test
  void theSecretsHoldGeneratedPasswords() throws Exception {
    try (SecretsManagerClient secrets = Emulator.client(SecretsManagerClient.builder().region(REGION))) {
      ClusterNames a = new ClusterNames(CLUSTER);
      ClusterNames b = new ClusterNames(CLUSTER_B);
      for (List<String> pair : List.of(List.of(a.replicationSecret(), b.replicationSecret()),
          List.of(a.pcpSecret(), b.pcpSecret()))) {
        String password = secrets.getSecretValue(r -> r.secretId(pair.get(0))).secretString();
        assertTrue(password.matches("[A-Za-z0-9]{32}"), pair.get(0) + " is 32 letters and digits");
        assertNotEquals(password, secrets.getSecretValue(r -> r.secretId(pair.get(1))).secretString(),
            "each cluster has its own " + pair);
      }
      JsonNode admin =
          JSON.readTree(secrets.getSecretValue(r -> r.secretId(outputs().get("AdminSecret"))).secretString());
      assertEquals("pgpilot_admin", admin.get("username").asText());
      assertTrue(admin.get("password").asText().matches("[A-Za-z0-9]{32}"));
    }
  }

  @Test
  void theNetworkLoadBalancerForwardsPostgresToThePgpoolGroup() {
    try (ElasticLoadBalancingV2Client elb = Emulator.client(ElasticLoadBalancingV2Client.builder().region(REGION))) {
      LoadBalancer nlb = elb.describeLoadBalancers().loadBalancers().stream()
          .filter(lb -> lb.dnsName().equals(outputs().get("PgpoolEndpoint"))).findFirst().orElseThrow();
      assertEquals("network", nlb.typeAsString());
      assertEquals("internal", nlb.schemeAsString());
      List<Listener> listeners = elb.describeListeners(r -> r.loadBalancerArn(nlb.loadBalancerArn())).listeners();
      assertEquals(1, listeners.size());
      assertEquals("TCP", listeners.get(0).protocolAsString());
      assertEquals(5432, listeners.get(0).port());
      String groupArn = listeners.get(0).defaultActions().get(0).targetGroupArn();
      TargetGroup group = elb.describeTargetGroups(r -> r.targetGroupArns(groupArn)).targetGroups().get(0);
      assertEquals("TCP", group.protocolAsString());
      assertEquals(physicalId("ClusterPgpoolLoadBalancerPostgresPgpoolGroup"), groupArn);
    }
  }

  /** pg1, pg2 and pg3: the cluster's instances that carry a pgpilot:name (the pgpool host has none). */
  private static List<Instance> databaseInstances(Ec2Client ec2) {
    return ec2.describeInstancesPaginator(r -> r.filters(f -> f.name("tag:pgpilot:cluster").values(CLUSTER),
            f -> f.name("tag-key").values("pgpilot:name"))).reservations().stream()
        .flatMap(r -> r.instances().stream()).toList();
  }

  private static Map<String, String> outputs() {
    return stack.outputs().stream().collect(Collectors.toMap(Output::outputKey, Output::outputValue));
  }

  /** The physical id of the one resource whose logical id starts so (CDK appends a hash). */
  private static String physicalId(String logicalPrefix) {
    List<StackResourceSummary> matches = resources.values().stream()
        .filter(r -> r.logicalResourceId().startsWith(logicalPrefix)).toList();
    assertEquals(1, matches.size(), logicalPrefix);
    return matches.get(0).physicalResourceId();
  }

  private static Rule rule(List<Rule> rules, String logicalPart) {
    return rules.stream().filter(r -> r.name().contains(logicalPart)).findFirst()
        .orElseThrow(() -> new AssertionError("no rule " + logicalPart + " in " + rules));
  }

  private static Set<String> texts(JsonNode array) {
    Set<String> texts = new HashSet<>();
    array.forEach(n -> texts.add(n.asText()));
    return texts;
  }

  /** A document's parameters, comparable (a Pattern has no equals). */
  private static Map<String, String> parameters(SsmDocument document) {
    return document.parameters().values().stream().collect(Collectors.toMap(SsmDocument.Parameter::name,
        p -> p.defaultValue() + " " + p.allowedPattern() + " " + p.allowedValues() + " " + p.envVar()));
  }

  private static Map<String, String> tags(Instance instance) {
    return instance.tags().stream().collect(Collectors.toMap(Tag::key, Tag::value));
  }

  private static SmokeDeploy.Run smokeDeploy(String... args) throws Exception {
    return SmokeDeploy.run(REGION, args);
  }
}

package io.pgpilot.cdk;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.CfnResource;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.BillingMode;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.ec2.Peer;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.events.EventPattern;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.RuleTargetInput;
import software.amazon.awscdk.services.events.Schedule;
import software.amazon.awscdk.services.events.targets.LambdaFunction;
import software.amazon.awscdk.services.events.targets.LambdaFunctionProps;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.sns.Topic;
import software.constructs.Construct;

/**
 * The HA manager: five functions, six with a WAL archive (java21, arm64, SnapStart on a published version behind the
 * alias "live"), the EventBridge rules that call them (the instance-state and pgpool sensor rules for
 * PostgreSQL on EC2 only, not Aurora), the DynamoDB lease and history table and the SNS topic.
 * The functions reach PostgreSQL from the VPC (the probe) and everything else through the AWS
 * APIs, within {@link AutomationPolicy}.
 */
public final class FailoverAutomation extends Construct {

  /** Handler classes by construct id (functions/src/main/java/io/pgpilot/handlers). */
  static final Map<String, String> HANDLERS = Map.of(
      "InstanceState", "io.pgpilot.handlers.InstanceStateHandler::handleRequest",
      "Alarm", "io.pgpilot.handlers.AlarmHandler::handleRequest",
      "Monitor", "io.pgpilot.handlers.MonitorHandler::handleRequest",
      "PgpoolSensor", "io.pgpilot.handlers.PgpoolSensorHandler::handleRequest",
      "Switchover", "io.pgpilot.handlers.SwitchoverHandler::handleRequest",
      "Backup", "io.pgpilot.handlers.BackupHandler::handleRequest");

  /**
   * The custom event pgpool's failover_command publishes when it detaches a backend (the functions'
   * PgpoolReport.SOURCE and DETAIL_TYPE; pgpool-report.sh sends them).
   */
  public static final String PGPOOL_SOURCE = "pgpilot.pgpool";
  public static final String PGPOOL_DETAIL_TYPE = "pgpool backend down";

  /**
   * EC2 states the functions act on (InstanceStateHandler): running publishes hosts (and rejoins an
   * old primary), the rest may fail over.
   */
  static final List<String> STATES = List.of("running", "stopping", "stopped", "shutting-down", "terminated");

  private final Table table;
  private final Topic topic;
  private final Key key;
  private final SecurityGroup securityGroup;
  private final Role role;
  private final Map<String, Function> functions = new LinkedHashMap<>();
  private final Map<String, Alias> aliases = new LinkedHashMap<>();
  private final Map<String, AsyncInvocation> asyncInvocations = new LinkedHashMap<>();

  /** How Lambda runs the events a rule hands an alias: retryAttempts retries of a failed run, within maxEventAge. */
  public record AsyncInvocation(Alias alias, Duration maxEventAge, int retryAttempts) {
  }

  public FailoverAutomation(Construct scope, String id, FailoverAutomationProps props) {
    super(scope, id);
    String cluster = props.clusterName();
    key = Key.Builder.create(this, "Key")
        .description("pgpilot " + cluster + ": the notification topic and the failed-events queue")
        .enableKeyRotation(true)
        .build();
    topic = Topic.Builder.create(this, "Topic")
        .displayName("pgpilot " + cluster)
        .masterKey(key)
        .enforceSsl(true)
        .build();
    table = Table.Builder.create(this, "StateTable")
        .partitionKey(Attribute.builder().name("pk").type(AttributeType.STRING).build())
        .sortKey(Attribute.builder().name("sk").type(AttributeType.STRING).build())
        .billingMode(BillingMode.PAY_PER_REQUEST)
        .timeToLiveAttribute("ttl")
        .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder()
            .pointInTimeRecoveryEnabled(true).build())
        .build();

    securityGroup = SecurityGroup.Builder.create(this, "SecurityGroup")
        .vpc(props.vpc())
        .description("pgpilot " + cluster + " automation: PostgreSQL probes and the AWS APIs")
        .allowAllOutbound(false)
        .build();
    securityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(443), "the AWS APIs (through NAT or the VPC endpoints)");
    securityGroup.addEgressRule(props.database().securityGroup(), Port.tcp(DatabaseTier.PORT), "probes of the nodes");
    props.database().allowFrom(securityGroup, "pgpilot automation probes");

    role = Role.Builder.create(this, "Role")
        .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
        .description("pgpilot " + cluster + " automation functions")
        .build();
    table.grant(role, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
        "dynamodb:Query");
    // Named actions rather than grantPublish, whose key grant is kms:GenerateDataKey*. The key also
    // encrypts FailureAlerts' queue, which Lambda sends the functions' failed events to as this role.
    role.addToPolicy(PolicyStatement.Builder.create()
        .actions(List.of("sns:Publish")).resources(List.of(topic.getTopicArn())).build());
    role.addToPolicy(PolicyStatement.Builder.create()
        .actions(List.of("kms:GenerateDataKey", "kms:Decrypt")).resources(List.of(key.getKeyArn())).build());
    props.database().monitorSecret().grantRead(role);
    AutomationPolicy.apply(role, props);

    Map<String, String> environment = environment(props);
    HANDLERS.keySet().stream().sorted().filter(name -> !"Backup".equals(name) || props.archiveStanza() != null)
        .forEach(name -> function(props, name, environment));

    if (props.auroraCluster() == null) {
      List<String> instanceIds = props.database().nodes().stream().map(DatabaseTier.Node::instanceId).toList();
      // Instances this stack does not make (engine existing) have no id here, and the event carries no
      // tags: every instance of the account then calls the function, which ignores those not tagged
      // with this cluster.
      Map<String, Object> detail = instanceIds.isEmpty() ? Map.of("state", STATES)
          : Map.of("instance-id", instanceIds, "state", STATES);
      Rule.Builder.create(this, "InstanceStateRule")
          .description("pgpilot " + cluster + ": state changes of the cluster's database instances"
              + (instanceIds.isEmpty() ? " (every instance's; the function picks the cluster's by tag)" : ""))
          .eventPattern(EventPattern.builder()
              .source(List.of("aws.ec2"))
              .detailType(List.of("EC2 Instance State-change Notification"))
              .detail(Ordered.map(detail))
              .build())
          .targets(List.of(target("InstanceState", Duration.hours(1), 20, 2)))
          .build();
    }
    Rule.Builder.create(this, "AlarmRule")
        .description("pgpilot " + cluster + ": its alarms going to ALARM")
        .eventPattern(EventPattern.builder()
            .source(List.of("aws.cloudwatch"))
            .detailType(List.of("CloudWatch Alarm State Change"))
            .detail(Ordered.map(Map.of(
                "alarmName", List.of(Map.of("prefix", alarmPrefix(cluster))),
                "state", Map.of("value", List.of("ALARM")))))
            .build())
        .targets(List.of(target("Alarm", Duration.hours(1), 20, 2)))
        .build();
    if (props.auroraCluster() == null) {
      // pgpool as a sensor: only its own source, only this cluster's reports. A report older than
      // ten minutes says nothing the monitor has not seen; a failed run is retried (a pgpool that
      // could not reach the node again when it was re-attached).
      Rule.Builder.create(this, "PgpoolSensorRule")
          .description("pgpilot " + cluster + ": its pgpool hosts' reports of a backend they detached")
          .eventPattern(EventPattern.builder()
              .source(List.of(PGPOOL_SOURCE))
              .detailType(List.of(PGPOOL_DETAIL_TYPE))
              .detail(Map.of("cluster", List.of(cluster)))
              .build())
          .targets(List.of(target("PgpoolSensor", Duration.minutes(10), 20, 2)))
          .build();
    }
    // A late or retried probe round is worth nothing: the next one comes a minute later.
    Rule.Builder.create(this, "MonitorRule")
        .description("pgpilot " + cluster + ": the monitor, every minute")
        .schedule(Schedule.rate(Duration.minutes(1)))
        .targets(List.of(target("Monitor", Duration.minutes(1), 0, 0)))
        .build();
  }

  /** Alarms whose names start with this call the Alarm function (the functions' Automation.onAlarm). */
  public static String alarmPrefix(String cluster) {
    return "pgpilot-" + cluster + "-";
  }

  private Map<String, String> environment(FailoverAutomationProps props) {
    Map<String, String> environment = new LinkedHashMap<>();
    environment.put("PGPILOT_CLUSTER", props.clusterName());
    environment.put("PGPILOT_ENGINE", props.auroraCluster() == null ? "ec2" : "aurora");
    if (props.auroraCluster() != null) {
      environment.put("PGPILOT_AURORA_CLUSTER_ID", props.auroraCluster().getClusterIdentifier());
    }
    environment.put("PGPILOT_STATE_TABLE", table.getTableName());
    environment.put("PGPILOT_TOPIC_ARN", topic.getTopicArn());
    environment.put("PGPILOT_DB_SECRET", props.database().monitorSecret().getSecretArn());
    environment.put("PGPILOT_DB_SSLMODE", props.dbSslMode());
    environment.put("PGPILOT_REPLICATION_CIDR", props.replicationCidr());
    if (props.archiveStanza() != null) {
      environment.put("PGPILOT_ARCHIVE_STANZA", props.archiveStanza());
    }
    if (props.hostedZoneId() != null) {
      environment.put("PGPILOT_HOSTED_ZONE_ID", props.hostedZoneId());
      environment.put("PGPILOT_DNS_NAME", props.dnsName());
    }
    return environment;
  }

  private void function(FailoverAutomationProps props, String name, Map<String, String> environment) {
    LogGroup logs = LogGroup.Builder.create(this, name + "Logs").retention(props.logRetention()).build();
    Function function = Function.Builder.create(this, name)
        .description("pgpilot " + props.clusterName() + ": " + HANDLERS.get(name))
        .runtime(Runtime.JAVA_21)
        .architecture(Architecture.ARM_64)
        .handler(HANDLERS.get(name))
        .code(Code.fromAsset(props.code().toAbsolutePath().toString()))
        .memorySize(props.memorySizeMb())
        .timeout(props.timeout())
        .snapStart(SnapStartConf.ON_PUBLISHED_VERSIONS)
        .environment(environment)
        .role(role)
        .logGroup(logs)
        .vpc(props.vpc())
        .vpcSubnets(props.subnets())
        .securityGroups(List.of(securityGroup))
        .build();
    logs.grantWrite(role);
    // Lambda checks the VPC permissions at creation, so the function waits for the role's policy; CDK
    // also lists the role, which the function's GetAtt already orders (cfn-lint W3005).
    CfnResource policy = (CfnResource) role.getNode().findChild("DefaultPolicy").getNode().getDefaultChild();
    ((CfnResource) function.getNode().getDefaultChild()).addOverride("DependsOn", List.of(policy.getLogicalId()));
    // The alias below publishes the version SnapStart needs; CDK warns before it can see that.
    Annotations.of(function).acknowledgeWarning("@aws-cdk/aws-lambda:snapStartRequirePublish",
        "the alias 'live' points at the function's current published version");
    NagSuppressions.addResourceSuppressions(function, List.of(NagPackSuppression.builder().id("AwsSolutions-L1")
        .reason("java21 is the LTS runtime pgpilot's functions (Java 17 bytecode) and their SnapStart restore are"
            + " tested on; moving to a newer runtime is a deliberate change with its own test run")
        .build()));
    functions.put(name, function);
    aliases.put(name, function.addAlias("live"));
  }

  /**
   * A rule's target: the function's alias, invoked asynchronously. EventBridge retries the delivery
   * (deliveryRetries) and Lambda a failed run (runRetries, 0 to 2), both while the event is younger
   * than maxEventAge. Where a run may fail, the handlers rely on Lambda's retry: they fail an event
   * they must see again (RunFailedException, another run's lease).
   */
  LambdaFunction target(String name, Duration maxEventAge, int deliveryRetries, int runRetries) {
    return target(name, maxEventAge, deliveryRetries, runRetries, null);
  }

  /** The same, with {@code input} as the event the function gets instead of EventBridge's own. */
  LambdaFunction target(String name, Duration maxEventAge, int deliveryRetries, int runRetries,
                        RuleTargetInput input) {
    asyncInvocations.put(name, new AsyncInvocation(aliases.get(name), maxEventAge, runRetries));
    return new LambdaFunction(aliases.get(name), LambdaFunctionProps.builder()
        .maxEventAge(maxEventAge)
        .retryAttempts(deliveryRetries)
        .event(input)
        .build());
  }

  public Table table() {
    return table;
  }

  public Topic topic() {
    return topic;
  }

  /** Encrypts the topic (and FailureAlerts' queue); the functions' role may generate and decrypt data keys with it. */
  public Key key() {
    return key;
  }

  public SecurityGroup securityGroup() {
    return securityGroup;
  }

  public Role role() {
    return role;
  }

  public Map<String, Function> functions() {
    return java.util.Collections.unmodifiableMap(functions);
  }

  /** The "live" alias of each function: what the rules call and operators invoke. */
  public Map<String, Alias> aliases() {
    return java.util.Collections.unmodifiableMap(aliases);
  }

  /** The functions the rules invoke asynchronously (not Switchover, which operators call), by name. */
  public Map<String, AsyncInvocation> asyncInvocations() {
    return java.util.Collections.unmodifiableMap(asyncInvocations);
  }
}

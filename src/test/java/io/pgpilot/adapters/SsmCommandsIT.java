package io.pgpilot.adapters;

import io.pgpilot.core.ClusterNames;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.Ec2State;
import io.pgpilot.core.ports.CommandResult;
import io.pgpilot.core.ports.CommandTarget;
import io.pgpilot.core.ports.Commands;
import io.pgpilot.core.ports.Instance;
import io.pgpilot.core.ports.Instances;
import io.pgpilot.lab.LabExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.Command;
import software.amazon.awssdk.services.ssm.model.DocumentFormat;
import software.amazon.awssdk.services.ssm.model.DocumentType;


/**
 * SendCommand to tag and instance targets, and the wait for each invocation. The emulator runs
 * nothing and answers Success at once; what it does show is whom a command reached.
 */
@ExtendWith(LabExtension.class)
class SsmCommandsIT {

  private static final String DOCUMENT_CONTENT = """
      schemaVersion: '2.2'
      description: pgpilot adapter test
      parameters:
        entries:
          type: String
          allowedPattern: '^[0-9A-Za-z.:, -]{1,8192}$'
          interpolationType: ENV_VAR
      mainSteps:
        - action: aws:runShellScript
          name: echo
          inputs:
            runCommand:
              - echo '{"entries":"'"$SSM_entries"'"}'
      """;

  private static SsmClient ssm;
  private static Ec2Client ec2;
  /** The code's name for the document; the emulator holds it as NAMES' copy. */
  private static final String DOCUMENT = "pgpilot-Echo";
  private static final ClusterNames NAMES = new ClusterNames(Emulator.unique("it-echo"));
  private static String document;

  @BeforeAll
  static void createDocument() {
    ssm = Emulator.client(SsmClient.builder());
    ec2 = Emulator.client(Ec2Client.builder());
    document = NAMES.document(DOCUMENT);
    ssm.createDocument(r -> r.name(document).content(DOCUMENT_CONTENT)
        .documentFormat(DocumentFormat.YAML).documentType(DocumentType.COMMAND));
  }

  @AfterAll
  static void deleteDocument() {
    ssm.deleteDocument(r -> r.name(document));
    ssm.close();
    ec2.close();
  }

  @Test
  void givenTheLabCluster_whenACommandTargetsItsTag_thenItReachesEveryHostAndEachReportsSuccess() {
    List<String> hosts = new Ec2Instances(ec2).describe("lab").stream()
        .filter(i -> i.state() == Ec2State.RUNNING).map(Instance::instanceId).toList();
    Commands commands = new SsmCommands(ssm, NAMES);

    String commandId = commands.send(DOCUMENT, Map.of("entries", "10.87.0.12 pg2 pg-primary"),
        CommandTarget.cluster("lab"));
    List<CommandResult> results = commands.await(commandId, hosts, Duration.ofSeconds(10));

    assertEquals(5, hosts.size(), hosts::toString);
    assertEquals(hosts, results.stream().map(CommandResult::instanceId).toList());
    assertTrue(results.stream().allMatch(r -> r.finished() && r.succeeded() && r.exitCode() == 0), results::toString);
    Command sent = command(commandId);
    assertTrue(Set.copyOf(sent.instanceIds()).containsAll(hosts), sent::toString);
    assertEquals(Map.of("entries", List.of("10.87.0.12 pg2 pg-primary")), sent.parameters());
    assertEquals(document, sent.documentName());
  }

  @Test
  void givenTwoClustersWithAPg2_whenACommandTargetsPg2OfOne_thenOnlyThatInstance() {
    String cluster = Emulator.unique("it-ssm");
    String mine = ec2.runInstances(r -> r.imageId("ami-12c6146b").instanceType("t4g.micro").minCount(1).maxCount(1)
            .tagSpecifications(t -> t.resourceType(ResourceType.INSTANCE).tags(
                tag(Instances.CLUSTER_TAG, cluster), tag(Instances.NAME_TAG, "pg2"), tag(Instances.ROLE_TAG, "standby"))))
        .instances().get(0).instanceId();
    Commands commands = new SsmCommands(ssm, NAMES);

    String commandId = commands.send(DOCUMENT, Map.of("entries", "10.0.0.1 pg1"),
        CommandTarget.hosts(cluster, List.of("pg2")));

    assertEquals(List.of(mine), command(commandId).instanceIds());
    assertTrue(commands.await(commandId, List.of(mine), Duration.ofSeconds(5)).get(0).succeeded());
  }

  @Test
  void givenAnInstanceId_whenACommandTargetsIt_thenItReachesItAndItsResultIsRead() {
    String pg3 = new Ec2Instances(ec2).describe("lab").stream()
        .filter(i -> i.name().equals("pg3") && i.state() == Ec2State.RUNNING).findFirst().orElseThrow().instanceId();
    Commands commands = new SsmCommands(ssm, NAMES);

    String commandId = commands.send(DOCUMENT, Map.of("entries", "10.87.0.13 pg3"), CommandTarget.instances(List.of(pg3)));
    List<CommandResult> results = commands.await(commandId, List.of(pg3), Duration.ofSeconds(5));

    // An emulator gap: moto 5.2.1 resolves SendCommand(InstanceIds=[one id]) to every instance it
    // holds (it adds the instances matching an empty tag filter); AWS reaches the given ids only.
    assertTrue(command(commandId).instanceIds().contains(pg3));
    assertEquals(1, results.size());
    assertTrue(results.get(0).succeeded(), results::toString);
  }

  @Test
  void givenAnInstanceTheCommandNeverReached_whenAwaited_thenTheWaitEndsAtItsLimitUnfinished() {
    Commands commands = new SsmCommands(ssm, NAMES);
    String commandId = commands.send(DOCUMENT, Map.of("entries", "10.0.0.1 pg1"), CommandTarget.cluster("lab"));

    long started = System.nanoTime();
    List<CommandResult> results = commands.await(commandId, List.of("i-0123456789abcdef0"), Duration.ofSeconds(1));
    Duration waited = Duration.ofNanos(System.nanoTime() - started);

    assertEquals(1, results.size());
    assertFalse(results.get(0).finished(), results::toString);
    assertEquals("Pending", results.get(0).status());
    assertEquals("InvocationDoesNotExist", results.get(0).statusDetails());
    assertEquals(-1, results.get(0).exitCode());
    assertTrue(waited.compareTo(Duration.ofMillis(900)) >= 0 && waited.compareTo(Duration.ofSeconds(3)) < 0,
        waited::toString);
  }

  private static Command command(String commandId) {
    return ssm.listCommands(r -> r.commandId(commandId)).commands().get(0);
  }

  private static software.amazon.awssdk.services.ec2.model.Tag tag(String key, String value) {
    return software.amazon.awssdk.services.ec2.model.Tag.builder().key(key).value(value).build();
  }
}

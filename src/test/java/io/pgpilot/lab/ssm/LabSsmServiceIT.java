package io.pgpilot.lab.ssm;

import io.pgpilot.core.ClusterNames;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.adapters.Ec2Instances;
import io.pgpilot.adapters.JsonLine;
import io.pgpilot.adapters.SsmCommands;
import io.pgpilot.core.ports.CommandResult;
import io.pgpilot.core.ports.CommandTarget;
import io.pgpilot.core.ports.Commands;
import io.pgpilot.core.ports.Instance;
import io.pgpilot.lab.Lab;
import io.pgpilot.lab.LabExtension;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.core.retry.RetryPolicy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.Command;
import software.amazon.awssdk.services.ssm.model.CommandInvocation;
import software.amazon.awssdk.services.ssm.model.CommandPlugin;
import software.amazon.awssdk.services.ssm.model.DocumentDescription;
import software.amazon.awssdk.services.ssm.model.DocumentFormat;
import software.amazon.awssdk.services.ssm.model.DocumentParameter;
import software.amazon.awssdk.services.ssm.model.DocumentType;
import software.amazon.awssdk.services.ssm.model.GetCommandInvocationResponse;
import software.amazon.awssdk.services.ssm.model.InvalidDocumentException;
import software.amazon.awssdk.services.ssm.model.InvalidParametersException;
import software.amazon.awssdk.services.ssm.model.InvalidPluginNameException;
import software.amazon.awssdk.services.ssm.model.InvocationDoesNotExistException;

/**
 * The lab SSM service, driven by pgpilot's own adapter ({@link SsmCommands}) on an SSM client
 * that reaches it through the SDK's service-specific endpoint: the real documents, as deployed in
 * the emulator, run on the real lab hosts and report their real status, exit code and output.
 */
@ExtendWith(LabExtension.class)
class LabSsmServiceIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Path APP1_HOSTS = Path.of("/etc/netns/app1/hosts");
  private static final String PGCLUSTER_TAG = "pgpilot:pgcluster";

  /**
   * A test document, created in the emulator only: it sleeps as long as asked (its pid in a file
   * named after the marker), then prints the address of the host it ran on. Its step timeout is a
   * parameter, as AWS-RunShellScript's executionTimeout is.
   */
  private static final String PROBE_CONTENT = """
      schemaVersion: '2.2'
      description: pgpilot lab SSM service test probe
      parameters:
        marker:
          type: String
          allowedPattern: '^[a-z0-9]{1,32}$'
          interpolationType: ENV_VAR
        sleepSeconds:
          type: String
          default: '0'
          allowedPattern: '^[0-9]{1,3}$'
          interpolationType: ENV_VAR
        executionTimeout:
          type: String
          default: '30'
          allowedPattern: '^[1-9][0-9]{0,2}$'
      mainSteps:
        - action: aws:runShellScript
          name: probe
          inputs:
            timeoutSeconds: '{{ executionTimeout }}'
            runCommand:
              - |
                #!/bin/bash
                set -euo pipefail
                echo "probe $SSM_marker: sleeping ${SSM_sleepSeconds}s"
                sleep "$SSM_sleepSeconds" &
                echo $! > "/tmp/pgpilot-it-probe-$SSM_marker.pid"
                wait
                address=$(ip -4 -oneline address show scope global | awk '{ print $4 }')
                printf '{"address": "%s"}\\n' "${address%/*}"
      """;

  private static Lab lab;
  private static LabSsmService service;
  private static SsmClient ssm;
  private static Ec2Client ec2;
  private static Commands commands;
  /** The lab cluster's names: its documents are pgpilot-lab-*, as CDK would name them. */
  private static final ClusterNames NAMES = new ClusterNames("lab");
  /** The probe document as the code names it; the emulator holds it as NAMES' copy. */
  private static String probe;
  private static Map<String, Instance> hosts;
  private static final List<String> markers = new ArrayList<>();

  @BeforeAll
  static void startTheServiceAndDeployTheDocuments(Lab theLab) throws Exception {
    lab = theLab;
    service = new LabSsmService(0, URI.create(lab.status().emulator().endpoint()));
    ssm = ssmClientAt(service.start());
    ec2 = client(Ec2Client.builder());
    // Through the service: CreateDocument and GetDocument go on to the emulator.
    DocumentDeployer.deploy(ssm, repositoryRoot().resolve("ssm-documents"), NAMES);
    probe = "pgpilot-ItProbe" + marker();
    ssm.createDocument(r -> r.name(NAMES.document(probe)).content(PROBE_CONTENT)
        .documentFormat(DocumentFormat.YAML).documentType(DocumentType.COMMAND));
    commands = new SsmCommands(ssm, NAMES);
    hosts = new Ec2Instances(ec2).describe("lab").stream()
        .collect(Collectors.toMap(Instance::name, Function.identity()));
  }

  @AfterAll
  static void stopTheService() throws Exception {
    ssm.deleteDocument(r -> r.name(NAMES.document(probe)));
    for (String marker : markers) {
      Files.deleteIfExists(pidFile(marker));
    }
    ssm.close();
    ec2.close();
    service.close();
  }

  @Test
  void givenThePrimary_whenReplicationStatusTargetsItsNameTag_thenItRunsThereAndReportsSuccessWithItsJson() {
    String primary = primary();

    CommandResult result = runOn(primary, "pgpilot-ReplicationStatus", Map.of("cluster", pgcluster(primary)));

    assertTrue(result.succeeded(), result::toString);
    assertEquals("Success", result.statusDetails());
    assertEquals("primary", JsonLine.lastObject(result.stdout()).orElseThrow().get("role"), result::toString);
    assertEquals("15/" + pgcluster(primary), JsonLine.lastObject(result.stdout()).orElseThrow().get("cluster"));
  }

  @Test
  void givenThePrimary_whenRepointStandbyTargetsIt_thenItFailsWithTheScriptsExitCodeAndReason() throws Exception {
    String primary = primary();
    String standby = lab.status().nodes().stream().filter(n -> !n.name().equals(primary)).findFirst().orElseThrow()
        .name();

    CommandResult result = runOn(primary, "pgpilot-RepointStandby",
        Map.of("cluster", pgcluster(primary), "upstreamHost", standby));

    assertEquals("Failed", result.status(), result::toString);
    assertEquals("Failed", result.statusDetails());
    assertEquals(1, result.exitCode());
    assertTrue(result.stderr().contains("is a primary, not a standby"), result.stderr());
    assertEquals("primary", lab.status().node(primary).role(), "nothing changed");
  }

  @Test
  void givenAStepThatOverrunsItsTimeout_whenItRuns_thenItIsKilledAndReportedTimedOut() throws Exception {
    String marker = marker();
    String app1 = id("app1");

    String commandId = commands.send(probe, Map.of("marker", marker, "sleepSeconds", "60", "executionTimeout", "2"),
        CommandTarget.instances(List.of(app1)));
    GetCommandInvocationResponse running = ssm.getCommandInvocation(r -> r.commandId(commandId).instanceId(app1));
    long sleep = pid(marker);
    CommandResult result = commands.await(commandId, List.of(app1), WAIT).get(0);

    assertTrue(Set.of("Pending", "InProgress").contains(running.statusAsString()), running::toString);
    assertEquals(-1, running.responseCode());
    assertEquals("TimedOut", result.status(), result::toString);
    assertEquals("Execution Timed Out", result.statusDetails());
    assertEquals(137, result.exitCode(), "the agent's exit code for a step it stopped");
    assertTrue(result.stdout().startsWith("probe " + marker + ": sleeping 60s"), result.stdout());
    Lab.await(Duration.ofSeconds(10), "the step's processes are killed", () -> !alive(sleep));
  }

  @Test
  void givenARunningCommand_whenCancelled_thenItsProcessesAreKilledAndItReportsCancelled() throws Exception {
    String marker = marker();
    String app1 = id("app1");
    String commandId = commands.send(probe, Map.of("marker", marker, "sleepSeconds", "60", "executionTimeout", "120"),
        CommandTarget.instances(List.of(app1)));
    long sleep = pid(marker);

    ssm.cancelCommand(r -> r.commandId(commandId));
    CommandResult result = commands.await(commandId, List.of(app1), WAIT).get(0);

    assertEquals("Cancelled", result.status(), result::toString);
    assertEquals("Cancelled", command(commandId).statusAsString());
    Lab.await(Duration.ofSeconds(10), "the step's processes are killed", () -> !alive(sleep));
  }

  @Test
  void givenAnInstanceId_whenACommandTargetsIt_thenItRunsOnThatHostAlone() {
    String pg3 = id("pg3");

    String commandId = commands.send(probe, Map.of("marker", marker()), CommandTarget.instances(List.of(pg3)));
    CommandResult result = commands.await(commandId, List.of(pg3), WAIT).get(0);

    assertTrue(result.succeeded(), result::toString);
    assertEquals(lab.status().node("pg3").address(), JsonLine.lastObject(result.stdout()).orElseThrow().get("address"));
    assertEquals(List.of(pg3), ssm.listCommandInvocations(r -> r.commandId(commandId)).commandInvocations().stream()
        .map(CommandInvocation::instanceId).toList());
  }

  @Test
  void givenTheLabCluster_whenACommandTargetsItsTag_thenEveryHostRunsItAndListCommandInvocationsShowsEach() {
    List<String> ids = hosts.values().stream().map(Instance::instanceId).toList();

    String commandId = commands.send(probe, Map.of("marker", marker()), CommandTarget.cluster("lab"));
    List<CommandResult> results = commands.await(commandId, ids, WAIT);

    assertEquals(5, ids.size(), hosts::toString);
    for (Instance host : hosts.values()) {
      CommandResult result = results.stream().filter(r -> r.instanceId().equals(host.instanceId())).findFirst()
          .orElseThrow();
      assertTrue(result.succeeded(), result::toString);
      assertEquals(host.privateIp(), JsonLine.lastObject(result.stdout()).orElseThrow().get("address"), host.name() + " ran it");
    }
    List<CommandInvocation> invocations = ssm.listCommandInvocations(r -> r.commandId(commandId).details(true))
        .commandInvocations();
    assertEquals(Set.copyOf(ids), invocations.stream().map(CommandInvocation::instanceId).collect(Collectors.toSet()));
    for (CommandInvocation invocation : invocations) {
      CommandPlugin plugin = invocation.commandPlugins().get(0);
      assertEquals("probe", plugin.name());
      assertEquals("Success", plugin.statusAsString());
      assertEquals(0, plugin.responseCode());
      assertTrue(plugin.output().contains(hosts.get(invocation.instanceName()).privateIp()), plugin::toString);
    }
    Command command = command(commandId);
    assertEquals("Success", command.statusAsString());
    assertEquals(5, command.targetCount());
    assertEquals(5, command.completedCount());
    assertEquals(0, command.errorCount());
  }

  @Test
  void givenNewEntries_whenUpdateHostsRunsOnApp1_thenApp1ResolvesThemAndTheOldBlockComesBack() throws Exception {
    String original = Files.readString(APP1_HOSTS);
    String entries = managedEntries(original);
    String alias = "pgpilot-it-" + marker();
    String address = hosts.get("app1").privateIp();
    try {
      CommandResult result = runOn("app1", "pgpilot-UpdateHosts",
          Map.of("entries", entries.replace(address + " app1", address + " app1 " + alias)));

      assertTrue(result.succeeded(), result::toString);
      assertEquals(Boolean.TRUE, JsonLine.lastObject(result.stdout()).orElseThrow().get("changed"));
      String changed = Files.readString(APP1_HOSTS);
      assertTrue(changed.contains(address + "\tapp1 " + alias + "\n"), changed);
      Process getent = new ProcessBuilder("ip", "netns", "exec", "app1", "getent", "hosts", alias).start();
      assertTrue(new String(getent.getInputStream().readAllBytes()).startsWith(address + " "));
    } finally {
      assertTrue(runOn("app1", "pgpilot-UpdateHosts", Map.of("entries", entries)).succeeded());
    }
    assertEquals(original, Files.readString(APP1_HOSTS));
  }

  @Test
  void givenHostileOrUnknownParameters_whenSent_thenSsmRefusesThemAndNothingRuns() throws Exception {
    String before = Files.readString(APP1_HOSTS);
    int commandsBefore = ssm.listCommands(r -> { }).commands().size();
    String marker = marker();
    Path pwned = Path.of("/tmp/pgpilot-it-pwned-" + marker);
    CommandTarget app1 = CommandTarget.hosts("lab", List.of("app1"));

    assertThrows(InvalidParametersException.class, () -> commands.send("pgpilot-UpdateHosts",
        Map.of("entries", "10.87.0.31 app1; touch " + pwned), app1));
    assertThrows(InvalidParametersException.class, () -> commands.send(probe,
        Map.of("marker", "$(touch " + pwned + ")"), app1));
    assertThrows(InvalidParametersException.class, () -> commands.send("pgpilot-UpdateHosts",
        Map.of("entries", "10.87.0.31 app1", "hostsFile", "/etc/hosts", "notAParameter", "x"), app1));
    assertThrows(InvalidParametersException.class, () -> commands.send("pgpilot-UpdateHosts", Map.of(), app1),
        "entries is required");
    assertThrows(InvalidDocumentException.class, () -> commands.send("pgpilot-NoSuchDocument" + marker,
        Map.of(), app1));

    assertEquals(before, Files.readString(APP1_HOSTS));
    assertEquals(commandsBefore, ssm.listCommands(r -> { }).commands().size(), "no command was made");
    assertFalse(Files.exists(pwned));
    assertFalse(Files.exists(pidFile(marker)));
  }

  @Test
  void givenAnInstanceNamedPg1ElsewhereAndAStoppedOne_whenACommandTargetsTheirCluster_thenBothAreUndeliverable() {
    String cluster = "it-lab-ssm-" + marker();
    String decoy = runInstance(cluster, "pg1");
    String stopped = runInstance(cluster, "pg2");
    ec2.stopInstances(r -> r.instanceIds(stopped));
    String marker = marker();
    try {
      String commandId = commands.send(probe, Map.of("marker", marker), CommandTarget.cluster(cluster));
      List<CommandResult> results = commands.await(commandId, List.of(decoy, stopped), WAIT);

      for (CommandResult result : results) {
        assertEquals("Failed", result.status(), result::toString);
        assertEquals("Undeliverable", result.statusDetails());
        assertEquals(-1, result.exitCode());
      }
      assertFalse(Files.exists(pidFile(marker)), "nothing ran on the lab's pg1");
    } finally {
      ec2.terminateInstances(r -> r.instanceIds(decoy, stopped));
    }
  }

  @Test
  void givenACommand_whenAnInvocationOrStepItDoesNotHaveIsAskedFor_thenSsmsErrorsAnswer() {
    String pg3 = id("pg3");
    String commandId = commands.send(probe, Map.of("marker", marker()), CommandTarget.instances(List.of(pg3)));

    assertThrows(InvocationDoesNotExistException.class,
        () -> ssm.getCommandInvocation(r -> r.commandId(commandId).instanceId(id("pg1"))));
    assertThrows(InvalidPluginNameException.class,
        () -> ssm.getCommandInvocation(r -> r.commandId(commandId).instanceId(pg3).pluginName("noSuchStep")));
    assertTrue(commands.await(commandId, List.of(pg3), WAIT).get(0).succeeded());
    assertEquals("probe", ssm.getCommandInvocation(r -> r.commandId(commandId).instanceId(pg3).pluginName("probe"))
        .pluginName());
  }

  @Test
  void givenTheDeployedDocuments_whenDescribedThroughTheService_thenTheEmulatorAnswers() throws Exception {
    DocumentDescription described = ssm.describeDocument(r -> r.name("pgpilot-lab-ReplicationStatus")).document();

    assertEquals("2.2", described.schemaVersion());
    assertEquals(Set.of("pgVersion", "cluster"),
        described.parameters().stream().map(DocumentParameter::name).collect(Collectors.toSet()));
    // In whichever format it was created (YAML here, JSON by CloudFormation), what runs is the file.
    SsmDocument file = SsmDocument.deployed(repositoryRoot().resolve("ssm-documents/pgpilot-ReplicationStatus.yaml"), NAMES);
    SsmDocument deployed = SsmDocument.parse(file.name(), ssm.getDocument(r -> r.name(file.name())).content());
    Map<String, String> values = Map.of("cluster", "pg1");
    assertEquals(file.render(file.resolve(values)), deployed.render(deployed.resolve(values)));
    assertThrows(InvalidDocumentException.class,
        () -> ssm.describeDocument(r -> r.name("pgpilot-it-NoSuchDocument-" + marker())));
  }

  private static CommandResult runOn(String host, String document, Map<String, String> parameters) {
    return commands.run(document, parameters, CommandTarget.hosts("lab", List.of(host)), List.of(id(host)), WAIT)
        .get(0);
  }

  private static Command command(String commandId) {
    return ssm.listCommands(r -> r.commandId(commandId)).commands().get(0);
  }

  private static String primary() {
    return lab.status().nodes().stream().filter(n -> "primary".equals(n.role())).findFirst().orElseThrow().name();
  }

  private static String id(String host) {
    return hosts.get(host).instanceId();
  }

  private static String pgcluster(String host) {
    return hosts.get(host).tag(PGCLUSTER_TAG).orElseThrow();
  }

  /** The pid of the probe's sleep, once the probe has started it. */
  private static long pid(String marker) throws Exception {
    Lab.await(Duration.ofSeconds(20), "the probe " + marker + " runs", () -> Files.exists(pidFile(marker))
        && !Files.readString(pidFile(marker)).isBlank());
    return Long.parseLong(Files.readString(pidFile(marker)).strip());
  }

  /** A killed process stays a zombie until init reaps it, a moment later. */
  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  private static Path pidFile(String marker) {
    return Path.of("/tmp/pgpilot-it-probe-" + marker + ".pid");
  }

  /** The managed block of a hosts file as UpdateHosts takes it: "ADDRESS NAME...,ADDRESS NAME...". */
  private static String managedEntries(String hostsFile) {
    String block = hostsFile.substring(hostsFile.indexOf("# BEGIN pgpilot managed hosts\n"),
        hostsFile.indexOf("# END pgpilot managed hosts"));
    return block.lines().skip(1).map(line -> line.replace('\t', ' ')).collect(Collectors.joining(","));
  }

  private static String runInstance(String cluster, String name) {
    return ec2.runInstances(r -> r.imageId("ami-12c6146b").instanceType("t4g.micro").minCount(1).maxCount(1)
            .tagSpecifications(t -> t.resourceType(ResourceType.INSTANCE).tags(
                Tag.builder().key("pgpilot:cluster").value(cluster).build(),
                Tag.builder().key("pgpilot:name").value(name).build())))
        .instances().get(0).instanceId();
  }

  private static String marker() {
    String marker = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    markers.add(marker);
    return marker;
  }

  /** Only the SSM client goes to the service, through the SDK's own service-specific endpoint setting. */
  private static SsmClient ssmClientAt(URI endpoint) {
    System.setProperty("aws.endpointUrlSsm", endpoint.toString());
    try {
      return client(SsmClient.builder());
    } finally {
      System.clearProperty("aws.endpointUrlSsm");
    }
  }

  /** Retries off: a refusal must surface at once. */
  private static <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C client(B builder) {
    return builder.httpClientBuilder(UrlConnectionHttpClient.builder())
        .overrideConfiguration(o -> o.retryPolicy(RetryPolicy.none()))
        .build();
  }

  private static Path repositoryRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("ssm-documents"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("no ssm-documents/ above " + Path.of("").toAbsolutePath());
    }
    return dir;
  }
}

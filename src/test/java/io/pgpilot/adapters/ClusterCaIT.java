package io.pgpilot.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.pgpilot.handlers.ClusterCaHandler;
import io.pgpilot.lab.LabExtension;
import io.pgpilot.runner.Log;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The function behind Custom::PgpilotClusterCa, as CloudFormation calls it: a request, then an
 * answer PUT to the request's ResponseURL (here a server on loopback), against the emulator's
 * Secrets Manager. The CA it puts is the one the nodes' bootstrap reads with jq and signs with openssl.
 */
@ExtendWith(LabExtension.class)
class ClusterCaIT {

  private static HttpServer cloudFormation;
  private static final List<Map<String, Object>> answers = new CopyOnWriteArrayList<>();
  private static SecretsManagerClient client;

  @BeforeAll
  static void start() throws Exception {
    client = Emulator.client(SecretsManagerClient.builder());
    cloudFormation = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    cloudFormation.createContext("/", exchange -> {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      answers.add(JsonLine.lastObject(body).orElseThrow());
      exchange.sendResponseHeaders("PUT".equals(exchange.getRequestMethod()) ? 200 : 405, -1);
      exchange.close();
    });
    cloudFormation.start();
  }

  @AfterAll
  static void stop() {
    cloudFormation.stop(0);
    client.close();
  }

  @Test
  void givenASecretWithoutValue_whenCreated_thenItHoldsACaThatOpensslSignsWith(@TempDir Path dir) throws Exception {
    String secret = newSecret();
    ByteArrayOutputStream logs = new ByteArrayOutputStream();

    Map<String, Object> answer = call(request("Create", secret), logs);

    assertEquals("SUCCESS", answer.get("Status"), answer::toString);
    assertEquals(secret, answer.get("PhysicalResourceId"));
    assertEquals(Boolean.TRUE, answer.get("NoEcho"));
    SecretValue ca = new Secrets(client).get(secret);
    assertFalse(answer.toString().contains("PRIVATE KEY"), "the answer carries no key");
    assertFalse(logs.toString(StandardCharsets.UTF_8).contains("PRIVATE KEY"), "the log shows no key");
    // As bootstrap-postgres.sh reads it (jq -r .certificate / .key) and signs a node's certificate.
    Files.writeString(dir.resolve("ca.crt"), ca.field("certificate"));
    Files.writeString(dir.resolve("ca.key"), ca.field("key"));
    run(dir, "openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj",
        "/CN=pg1", "-keyout", "node.key", "-out", "node.csr");
    run(dir, "openssl", "x509", "-req", "-in", "node.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "30", "-out", "node.crt");
    assertTrue(run(dir, "openssl", "verify", "-CAfile", "ca.crt", "node.crt").contains("node.crt: OK"));
    assertTrue(run(dir, "openssl", "x509", "-in", "ca.crt", "-noout", "-subject").contains("pgpilot it CA"));
  }

  @Test
  void givenASecretHoldingAGeneratedPassword_whenCreated_thenTheCaReplacesIt() {
    // What CloudFormation puts into a secret that CDK makes without a value.
    String secret = newSecret();
    client.putSecretValue(r -> r.secretId(secret).secretString("Xk2pQ9aV7tRz3mW8eL5nB1cY6uH4sJ0d"));

    Map<String, Object> answer = call(request("Create", secret), new ByteArrayOutputStream());

    assertEquals("SUCCESS", answer.get("Status"), answer::toString);
    assertTrue(new Secrets(client).get(secret).field("certificate").startsWith("-----BEGIN CERTIFICATE-----"));
  }

  @Test
  void givenASecretWithACa_whenCreatedOrUpdatedAgain_thenTheCaIsKept() {
    String secret = newSecret();
    call(request("Create", secret), new ByteArrayOutputStream());
    String first = new Secrets(client).get(secret).reveal();

    Map<String, Object> update = call(request("Update", secret), new ByteArrayOutputStream());
    Map<String, Object> again = call(request("Create", secret), new ByteArrayOutputStream());

    assertEquals("SUCCESS", update.get("Status"));
    assertEquals("SUCCESS", again.get("Status"));
    assertEquals(first, new Secrets(client).get(secret).reveal(), "every node's certificate is signed by it");
  }

  @Test
  void givenADelete_thenTheSecretIsLeftToItsOwnResource() {
    String secret = newSecret();
    call(request("Create", secret), new ByteArrayOutputStream());
    String ca = new Secrets(client).get(secret).reveal();
    Map<String, Object> delete = request("Delete", secret);
    delete.put("PhysicalResourceId", secret);

    Map<String, Object> answer = call(delete, new ByteArrayOutputStream());

    assertEquals("SUCCESS", answer.get("Status"));
    assertEquals(secret, answer.get("PhysicalResourceId"), "the same physical id: CloudFormation replaces nothing");
    assertEquals(ca, new Secrets(client).get(secret).reveal());
  }

  @Test
  void givenBadRequests_thenFailedWithTheReasonAndNothingWritten() {
    String secret = newSecret();
    Map<String, Object> noProperties = request("Create", secret);
    noProperties.remove("ResourceProperties");
    Map<String, Object> oddType = request("Replace", secret);
    Map<String, Object> noSuchSecret = request("Create", "pgpilot/" + Emulator.unique("absent") + "/ca");
    Map<String, Object> hostileName = request("Create", secret);
    hostileName.put("ResourceProperties", Map.of("SecretId", secret, "CommonName", "x\n-----BEGIN"));

    for (Map<String, Object> bad : List.of(noProperties, oddType, noSuchSecret, hostileName)) {
      Map<String, Object> answer = call(bad, new ByteArrayOutputStream());
      assertEquals("FAILED", answer.get("Status"), answer::toString);
      assertTrue(String.valueOf(answer.get("Reason")).startsWith("Custom::PgpilotClusterCa: "), answer::toString);
    }
    assertFalse(new Secrets(client).hasValue(secret), "nothing written");

    ByteArrayOutputStream logs = new ByteArrayOutputStream();
    int before = answers.size();
    handler(logs).handleRequest(Map.of("RequestType", "Create"), null);
    assertEquals(before, answers.size(), "no ResponseURL: nothing to answer, nothing done");
    assertTrue(logs.toString(StandardCharsets.UTF_8).contains("custom-resource-unreadable"));
  }

  private static String newSecret() {
    String name = "pgpilot/" + Emulator.unique("it") + "/ca";
    client.createSecret(r -> r.name(name));
    return name;
  }

  private static Map<String, Object> request(String type, String secret) {
    Map<String, Object> request = new HashMap<>();
    request.put("RequestType", type);
    request.put("ResponseURL", "http://127.0.0.1:" + cloudFormation.getAddress().getPort() + "/answer");
    request.put("StackId", "arn:aws:cloudformation:us-east-1:123456789012:stack/pgpilot-it/1");
    request.put("RequestId", UUID.randomUUID().toString());
    request.put("LogicalResourceId", "ClusterCaResource");
    request.put("ResourceType", "Custom::PgpilotClusterCa");
    request.put("ResourceProperties", Map.of("ServiceToken", "arn:aws:lambda:us-east-1:123456789012:function:ca",
        "SecretId", secret, "CommonName", "pgpilot it CA"));
    return request;
  }

  private static Map<String, Object> call(Map<String, Object> request, ByteArrayOutputStream logs) {
    int before = answers.size();
    handler(logs).handleRequest(request, null);
    assertEquals(before + 1, answers.size(), "one answer per request");
    Optional<Map<String, Object>> answer = Optional.of(answers.get(answers.size() - 1));
    assertEquals(request.get("RequestId"), answer.get().get("RequestId"));
    return answer.get();
  }

  private static ClusterCaHandler handler(ByteArrayOutputStream logs) {
    return new ClusterCaHandler(new Secrets(client), new CloudFormationResponses(), Clock.systemUTC(),
        new Log(new PrintStream(logs, true, StandardCharsets.UTF_8), Clock.systemUTC()));
  }

  private static String run(Path dir, String... command) throws Exception {
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), command[0] + " did not finish");
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + out);
    return out;
  }
}

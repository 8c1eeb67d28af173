package io.pgpilot.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.adapters.Ec2Instances;
import io.pgpilot.core.Role;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The pgpool fleet as the load balancer sees it: a pgpool host is healthy only while a query through
 * it reaches a writable primary (pgpool-health.sh, the user data's own script), and a host that
 * boots takes the cluster as its pgpilot:role tags say it is now.
 */
@ExtendWith(LabExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PgpoolHealthIT {

  private static final Path BOOTSTRAP = Path.of("..", "..", "cdk", "src", "main", "resources", "io", "pgpilot", "cdk",
      "bootstrap-pgpool.sh");
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static Lab lab;

  @BeforeAll
  static void lab(Lab theLab) {
    lab = theLab;
  }

  @AfterAll
  static void wholeAgain() {
    lab.recreate();
  }

  private static HttpResponse<String> check(String method) throws Exception {
    String address = lab.status().pgpool().address();
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + address + ":8081/"))
        .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(8)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  @Order(1)
  void aPgpoolThatReachesAWritablePrimaryIsHealthy() throws Exception {
    HttpResponse<String> healthy = check("GET");

    assertEquals(200, healthy.statusCode(), healthy.body());
    assertEquals("pgpool reaches a writable primary\n", healthy.body());
    assertEquals(405, check("POST").statusCode());
  }

  @Test
  @Order(2)
  void aPgpoolHostBootsWithTheTopologyTheTagsSayNotTheDeploysOne() throws Exception {
    Lab.Status status = lab.status();
    // As after a failover to pg2: pgpilot retagged the instances.
    new Ec2Instances().retag(Map.of(status.node("pg1").instanceId(), Role.REBUILD,
        status.node("pg2").instanceId(), Role.PRIMARY));
    String script = Files.readString(BOOTSTRAP);
    String block = script.substring(script.indexOf("if [ \"$PGPILOT_ENGINE\" = ec2 ]; then"));
    block = block.substring(0, block.indexOf("\nfi\n") + 4);

    Process bash = new ProcessBuilder("bash", "-c", "set -euo pipefail\nlog() { :; }\n"
        + "export AWS_DEFAULT_REGION=${AWS_REGION:-us-east-1}\n"
        + "aws() { command aws --endpoint-url \"$AWS_ENDPOINT_URL\" \"$@\"; }\n"
        + "PGPILOT_ENGINE=ec2 PGPILOT_CLUSTER=lab PGPILOT_HOSTS=deployed PGPILOT_BACKENDS=deployed\n"
        + block + "echo \"$PGPILOT_HOSTS\"; echo \"$PGPILOT_BACKENDS\"\n").redirectErrorStream(true).start();
    assertTrue(bash.waitFor(60, TimeUnit.SECONDS));
    List<String> out = new String(bash.getInputStream().readAllBytes()).strip().lines().toList();

    assertEquals(0, bash.exitValue(), String.join("\n", out));
    assertEquals(List.of("10.87.0.11 pg1,10.87.0.12 pg2 pg-primary,10.87.0.13 pg3",
        "pg1:5432:0:ALLOW_TO_FAILOVER,pg2:5432:0:ALLOW_TO_FAILOVER,pg3:5432:1:ALLOW_TO_FAILOVER"), out);
  }

  @Test
  @Order(3)
  void aPgpoolThatLostItsPrimaryLeavesTheTargetGroup() throws Exception {
    lab.must("fault", "crash", "pg1");

    Lab.await(Duration.ofSeconds(30), "pgpool1's health check to answer 503", () -> {
      HttpResponse<String> lost = check("GET");
      return lost.statusCode() == 503 && lost.body().startsWith("pgpool reaches no writable primary: ");
    });
  }
}

package io.pgpilot.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.pgpilot.failover.LabAutomation;
import io.pgpilot.handlers.MonitorLoginHandler;
import io.pgpilot.lab.Lab;
import io.pgpilot.lab.LabExtension;
import io.pgpilot.runner.Log;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The function behind Custom::PgpilotMonitorLogin against a real PostgreSQL (the lab's primary
 * stands in for Aurora's writer, its superuser for the master): the login it makes connects, has
 * pg_monitor and nothing more, and a second run only sets the password anew.
 */
@ExtendWith(LabExtension.class)
class MonitorLoginIT {

  private static final List<Map<String, Object>> answers = new CopyOnWriteArrayList<>();
  private static final List<String> roles = new ArrayList<>();
  private static HttpServer cloudFormation;
  private static SecretsManagerClient client;
  private static Lab lab;
  private static Lab.Node primary;
  private static String admin;

  @BeforeAll
  static void start(Lab theLab) throws Exception {
    lab = theLab;
    primary = lab.status().nodes().stream().filter(n -> "primary".equals(n.role())).findFirst().orElseThrow();
    admin = LabAutomation.environment(lab).get("PGPILOT_DB_SECRET");
    client = Emulator.client(SecretsManagerClient.builder());
    cloudFormation = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    cloudFormation.createContext("/", exchange -> {
      answers.add(JsonLine.lastObject(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8))
          .orElseThrow());
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    cloudFormation.start();
  }

  @AfterAll
  static void stop() throws Exception {
    try (Connection c = lab.connectNode(primary.name())) {
      for (String role : roles) {
        c.createStatement().execute("DROP ROLE IF EXISTS \"" + role + "\"");
      }
    } finally {
      cloudFormation.stop(0);
      client.close();
    }
  }

  @Test
  void givenTheMaster_whenCreated_thenTheMonitorLogsInWithPgMonitorOnly() throws Exception {
    String role = role();
    String secret = monitorSecret(role, password());

    Map<String, Object> answer = call(request("Create", secret, primary.address()));

    assertEquals("SUCCESS", answer.get("Status"), answer::toString);
    assertEquals(role, answer.get("PhysicalResourceId"));
    try (Connection c = connect(role, new Secrets(client).get(secret).field("password"));
         ResultSet rs = c.createStatement().executeQuery("SELECT pg_has_role(current_user, 'pg_monitor', 'member'),"
             + " rolsuper, rolcreaterole, rolcreatedb, rolreplication FROM pg_roles WHERE rolname = current_user")) {
      assertTrue(rs.next());
      assertTrue(rs.getBoolean(1), "pg_monitor");
      assertFalse(rs.getBoolean(2) || rs.getBoolean(3) || rs.getBoolean(4) || rs.getBoolean(5), "nothing more");
    }
  }

  @Test
  void givenANewPassword_whenUpdated_thenOnlyTheNewOneLogsIn() throws Exception {
    String role = role();
    String first = password();
    String secret = monitorSecret(role, first);
    call(request("Create", secret, primary.address()));
    String second = password();
    client.putSecretValue(r -> r.secretId(secret).secretString(login(role, second)));

    Map<String, Object> answer = call(request("Update", secret, primary.address()));

    assertEquals("SUCCESS", answer.get("Status"), answer::toString);
    connect(role, second).close();
    assertThrows(SQLException.class, () -> connect(role, first).close());
  }

  @Test
  void givenBadRequests_thenFailedWithTheReasonAndNoRoleMade() throws Exception {
    String role = role();
    String secret = monitorSecret(role, password());
    String superuser = monitorSecret("pgpilot", password());

    for (Map<String, Object> bad : List.of(
        request("Create", secret, "pg1; DROP ROLE x"),
        request("Create", superuser, primary.address()),
        request("Create", "pgpilot/" + Emulator.unique("absent"), primary.address()))) {
      Map<String, Object> answer = call(bad);
      assertEquals("FAILED", answer.get("Status"), answer::toString);
      assertTrue(String.valueOf(answer.get("Reason")).startsWith("Custom::PgpilotMonitorLogin: "), answer::toString);
    }
    try (Connection c = lab.connectNode(primary.name());
         ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM pg_roles WHERE rolname = '" + role + "'")) {
      rs.next();
      assertEquals(0, rs.getInt(1), "no role made");
    }
    String reason = String.valueOf(call(request("Create", superuser, primary.address())).get("Reason"));
    assertTrue(reason.contains("is a superuser"), reason);
  }

  private static Map<String, Object> request(String type, String monitorSecret, String host) {
    Map<String, Object> request = new HashMap<>();
    request.put("RequestType", type);
    request.put("ResponseURL", "http://127.0.0.1:" + cloudFormation.getAddress().getPort() + "/answer");
    request.put("StackId", "arn:aws:cloudformation:us-east-1:123456789012:stack/pgpilot-it/1");
    request.put("RequestId", UUID.randomUUID().toString());
    request.put("LogicalResourceId", "MonitorLogin");
    request.put("ResourceProperties", Map.of("Host", host, "Port", Integer.toString(primary.port()),
        "Database", "postgres", "AdminSecretId", admin, "MonitorSecretId", monitorSecret));
    return request;
  }

  private static Map<String, Object> call(Map<String, Object> request) {
    int before = answers.size();
    new MonitorLoginHandler(new Secrets(client), new PostgresLogins(Duration.ofSeconds(10)),
        new CloudFormationResponses(), new Log(new PrintStream(new ByteArrayOutputStream(), true,
            StandardCharsets.UTF_8), Clock.systemUTC())).handleRequest(request, null);
    assertEquals(before + 1, answers.size(), "one answer per request");
    return answers.get(answers.size() - 1);
  }

  private static String role() {
    String role = "pgpilot_it_monitor_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    roles.add(role);
    return role;
  }

  private static String password() {
    return UUID.randomUUID().toString().replace("-", "");
  }

  private static String login(String role, String password) {
    return "{\"username\":\"" + role + "\",\"password\":\"" + password + "\"}";
  }

  private static String monitorSecret(String role, String password) {
    String name = "pgpilot/" + Emulator.unique("it") + "/monitor";
    client.createSecret(r -> r.name(name).secretString(login(role, password)));
    return name;
  }

  private static Connection connect(String role, String password) throws SQLException {
    Properties login = new Properties();
    login.setProperty("user", role);
    login.setProperty("password", password);
    login.setProperty("sslmode", "require");
    return DriverManager.getConnection("jdbc:postgresql://" + primary.address() + ":" + primary.port() + "/postgres",
        login);
  }
}

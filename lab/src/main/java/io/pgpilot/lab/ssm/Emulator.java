package io.pgpilot.lab.ssm;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * The AWS API emulator behind the service: every SSM operation the service does not serve goes
 * there as it came, and targets and documents are read from its EC2 and SSM, per region as the
 * caller signed its request, so that what runs is what is deployed there.
 */
public final class Emulator implements AutoCloseable {

  /** What the emulator answered, to be passed back as it is. */
  record Answer(int status, Map<String, List<String>> headers, byte[] body) {}

  /** Headers the HTTP client sets itself (and refuses to be given), or that belong to one connection. */
  private static final Set<String> HOP_BY_HOP = Set.of("host", "content-length", "connection", "keep-alive",
      "transfer-encoding", "expect", "upgrade", "te", "trailer", "proxy-connection", "date");

  private final URI endpoint;
  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2))
      .build();
  private final Map<String, Ec2Client> ec2 = new ConcurrentHashMap<>();
  private final Map<String, SsmClient> ssm = new ConcurrentHashMap<>();

  public Emulator(URI endpoint) {
    this.endpoint = endpoint;
  }

  URI endpoint() {
    return endpoint;
  }

  Ec2Client ec2(String region) {
    return ec2.computeIfAbsent(region, r -> client(Ec2Client.builder(), r));
  }

  public SsmClient ssm(String region) {
    return ssm.computeIfAbsent(region, r -> client(SsmClient.builder(), r));
  }

  /** The request as it came, headers and body byte for byte, but for those of the connection. */
  Answer forward(String method, String pathAndQuery, Map<String, List<String>> headers, byte[] body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(endpoint.resolve(pathAndQuery))
        .timeout(Duration.ofSeconds(60))
        .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach((name, values) -> {
      if (!HOP_BY_HOP.contains(name.toLowerCase())) {
        values.forEach(value -> request.header(name, value));
      }
    });
    HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    Map<String, List<String>> answered = new LinkedHashMap<>();
    response.headers().map().forEach((name, values) -> {
      if (!HOP_BY_HOP.contains(name.toLowerCase()) && !name.startsWith(":")) {
        answered.put(name, values);
      }
    });
    return new Answer(response.statusCode(), answered, response.body());
  }

  /**
   * The emulator accepts any credentials and keeps state per region; retries off, so that a call
   * the emulator lacks fails at once.
   */
  private <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C client(B builder, String region) {
    return builder.endpointOverride(endpoint)
        .region(Region.of(region))
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("lab-ssm", "lab-ssm")))
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
        .build();
  }

  @Override
  public void close() {
    ec2.values().forEach(Ec2Client::close);
    ssm.values().forEach(SsmClient::close);
  }
}

package io.pgpilot.adapters;

import java.time.Duration;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/**
 * Builds SDK clients the way every adapter's no-argument constructor wants them: region,
 * credentials and endpoint from the environment (the SDK reads AWS_REGION and AWS_ENDPOINT_URL
 * itself), and the JDK's URL connection as the HTTP client, which starts no threads and adds no
 * library: the quickest cold start in a Lambda that makes a handful of calls.
 */
public final class AwsClients {

    /** A failover must not hang on one slow call; the SDK's own retries still apply. */
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(10);

    private AwsClients() {
    }

    public static <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C fromEnvironment(B builder) {
        return builder.httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(CONNECT_TIMEOUT)
                        .socketTimeout(SOCKET_TIMEOUT))
                .build();
    }

    static String requireText(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " is missing or blank");
        }
        return value;
    }
}

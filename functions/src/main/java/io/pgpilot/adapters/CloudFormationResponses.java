package io.pgpilot.adapters;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Answers a CloudFormation custom resource request: a PUT of the response's JSON to the request's
 * pre-signed ResponseURL, without a content type (the URL's signature covers none). Until it
 * arrives the stack waits, up to an hour, so a failure to send is retried a few times.
 */
public final class CloudFormationResponses {

    private static final int ATTEMPTS = 3;
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    /** Sends {@code response}, a JSON object (Status, Reason, PhysicalResourceId, StackId, RequestId...). */
    public void send(String responseUrl, String response) {
        URI url = URI.create(AwsClients.requireText(responseUrl, "ResponseURL"));
        if (!"https".equals(url.getScheme()) && !"http".equals(url.getScheme())) {
            throw new IllegalArgumentException("ResponseURL must be http(s), got scheme " + url.getScheme());
        }
        HttpRequest request = HttpRequest.newBuilder(url).timeout(TIMEOUT)
                .PUT(HttpRequest.BodyPublishers.ofString(response)).build();
        String failure = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                HttpResponse<String> answer = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (answer.statusCode() / 100 == 2) {
                    return;
                }
                failure = "HTTP " + answer.statusCode();
            } catch (IOException e) {
                failure = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while answering CloudFormation", e);
            }
        }
        throw new IllegalStateException("CloudFormation's ResponseURL refused the response " + ATTEMPTS + " times: "
                + failure);
    }
}

package io.pgpilot.adapters;

import java.util.UUID;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.core.retry.RetryPolicy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/** SDK clients for the AWS API emulator that AWS_ENDPOINT_URL names, and unique names for what a test creates there. */
public final class Emulator {

  private Emulator() {
  }

  /** Retries off: an emulator's 500 for a call it lacks must surface at once. */
  public static <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C client(B builder) {
    return builder.httpClientBuilder(UrlConnectionHttpClient.builder())
        .overrideConfiguration(o -> o.retryPolicy(RetryPolicy.none()))
        .build();
  }

  /** A fresh state table as {@link StateTable} describes it: pk and sk strings, on demand, TTL on ttl. */
  public static String createStateTable(DynamoDbClient dynamo) {
    String table = unique("pgpilot-it-state");
    dynamo.createTable(r -> r.tableName(table)
        .attributeDefinitions(
            AttributeDefinition.builder().attributeName(StateTable.PK).attributeType(ScalarAttributeType.S).build(),
            AttributeDefinition.builder().attributeName(StateTable.SK).attributeType(ScalarAttributeType.S).build())
        .keySchema(
            KeySchemaElement.builder().attributeName(StateTable.PK).keyType(KeyType.HASH).build(),
            KeySchemaElement.builder().attributeName(StateTable.SK).keyType(KeyType.RANGE).build())
        .billingMode(BillingMode.PAY_PER_REQUEST));
    dynamo.updateTimeToLive(r -> r.tableName(table)
        .timeToLiveSpecification(t -> t.attributeName(StateTable.TTL).enabled(true)));
    return table;
  }

  /** The emulator outlives a test run when the lab was already up: every test names its resources afresh. */
  public static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }
}

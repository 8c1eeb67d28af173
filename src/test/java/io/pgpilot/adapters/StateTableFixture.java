package io.pgpilot.adapters;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** A fresh state table in the emulator for one test class, deleted after it. */
final class StateTableFixture implements BeforeAllCallback, AfterAllCallback {

  private DynamoDbClient dynamo;
  private String table;

  @Override
  public void beforeAll(ExtensionContext context) {
    dynamo = Emulator.client(DynamoDbClient.builder());
    table = Emulator.createStateTable(dynamo);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    dynamo.deleteTable(r -> r.tableName(table));
    dynamo.close();
  }

  DynamoDbClient dynamo() {
    return dynamo;
  }

  String table() {
    return table;
  }
}

package io.pgpilot.lab.invoke;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * The Lambda context of a local invocation: a request id, the function's name, a 15-minute budget.
 * The lab may end the budget early ({@code cutShort}), where Lambda would let the invocation run:
 * the drill holds its monitor's schedule that way.
 */
public final class LocalContext implements Context {

  private static final long BUDGET_MS = 15 * 60 * 1000;

  private final String function;
  private final BooleanSupplier cutShort;
  private final String requestId = UUID.randomUUID().toString();
  private final long started = System.currentTimeMillis();

  public LocalContext(String function) {
    this(function, () -> false);
  }

  public LocalContext(String function, BooleanSupplier cutShort) {
    this.function = function;
    this.cutShort = cutShort;
  }

  @Override
  public String getAwsRequestId() {
    return requestId;
  }

  @Override
  public String getLogGroupName() {
    return "/aws/lambda/" + getFunctionName();
  }

  @Override
  public String getLogStreamName() {
    return "local/" + requestId;
  }

  @Override
  public String getFunctionName() {
    return function.substring(function.lastIndexOf('.') + 1);
  }

  @Override
  public String getFunctionVersion() {
    return "$LATEST";
  }

  @Override
  public String getInvokedFunctionArn() {
    return "arn:aws:lambda:local:000000000000:function:" + getFunctionName();
  }

  @Override
  public CognitoIdentity getIdentity() {
    return null;
  }

  @Override
  public ClientContext getClientContext() {
    return null;
  }

  @Override
  public int getRemainingTimeInMillis() {
    return cutShort.getAsBoolean() ? 0 : (int) Math.max(0, BUDGET_MS - (System.currentTimeMillis() - started));
  }

  @Override
  public int getMemoryLimitInMB() {
    return 1024;
  }

  @Override
  public LambdaLogger getLogger() {
    return new LambdaLogger() {
      @Override
      public void log(String message) {
        System.err.print(message);
      }

      @Override
      public void log(byte[] message) {
        log(new String(message, StandardCharsets.UTF_8));
      }
    };
  }
}

package io.pgpilot.cdk;

import java.util.Map;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.lambda.IFunction;
import software.amazon.awscdk.services.sns.ITopic;

/**
 * Props of {@link FailureAlerts}.
 *
 * @param clusterName      alarm names start pgpilot.{clusterName}. (required)
 * @param functions        the automation's functions: errors and throttles alarms each (required)
 * @param asyncInvocations the aliases EventBridge invokes, with Lambda's retries: their failed events go to
 *                         the queue (required, may be empty)
 * @param topic            where the alarms notify (required)
 * @param key              encrypts the queue; the functions' role must hold kms:GenerateDataKey and kms:Decrypt
 *                         on it, as Lambda sends failed events as that role (required)
 * @param archive          the cluster archives its WAL: alarms on the archive's failures and backlog
 *                         @default false
 */
public record FailureAlertsProps(String clusterName, Map<String, ? extends IFunction> functions,
                                 Map<String, FailoverAutomation.AsyncInvocation> asyncInvocations, ITopic topic,
                                 IKey key, boolean archive) {

  public FailureAlertsProps {
    Check.clusterName(clusterName);
    functions = Map.copyOf(Check.required(functions, "FailureAlertsProps.functions"));
    asyncInvocations = Map.copyOf(Check.required(asyncInvocations, "FailureAlertsProps.asyncInvocations"));
    Check.required(topic, "FailureAlertsProps.topic");
    Check.required(key, "FailureAlertsProps.key");
  }

  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private String clusterName;
    private Map<String, ? extends IFunction> functions;
    private Map<String, FailoverAutomation.AsyncInvocation> asyncInvocations;
    private ITopic topic;
    private IKey key;
    private boolean archive;

    public Builder clusterName(String value) {
      clusterName = value;
      return this;
    }

    public Builder functions(Map<String, ? extends IFunction> value) {
      functions = value;
      return this;
    }

    public Builder asyncInvocations(Map<String, FailoverAutomation.AsyncInvocation> value) {
      asyncInvocations = value;
      return this;
    }

    public Builder topic(ITopic value) {
      topic = value;
      return this;
    }

    public Builder key(IKey value) {
      key = value;
      return this;
    }

    public Builder archive(boolean value) {
      archive = value;
      return this;
    }

    public FailureAlertsProps build() {
      return new FailureAlertsProps(clusterName, functions, asyncInvocations, topic, key, archive);
    }
  }
}

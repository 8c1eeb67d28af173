package io.pgpilot.cdk;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.services.elasticloadbalancingv2.NetworkTargetGroup;
import software.amazon.awscdk.services.lambda.IFunction;
import software.amazon.awscdk.services.rds.IDatabaseCluster;

/**
 * Props of {@link Observability}.
 *
 * @param clusterName             alarm names start pgpilot-{clusterName}- (required)
 * @param nodes                   the EC2 database nodes: status-check and lag alarms each (required, empty for Aurora)
 * @param functions               the automation's functions, for the dashboard (required)
 * @param auroraCluster           Aurora's cluster, for its replica-lag alarm; @default none (EC2 engine)
 * @param pgpoolTargets           the pgpool NLB's target group, for the dashboard; @default none
 * @param replicationLagBytes     a standby further behind than this for 5 minutes raises its alarm; @default 64 MiB
 * @param auroraReplicaLagMillis  Aurora's AuroraReplicaLagMaximum alarm threshold; @default 1000
 */
public record ObservabilityProps(String clusterName, List<DatabaseTier.Node> nodes, Map<String, ? extends IFunction> functions,
                                 IDatabaseCluster auroraCluster, NetworkTargetGroup pgpoolTargets,
                                 long replicationLagBytes, int auroraReplicaLagMillis) {

  public ObservabilityProps {
    Check.clusterName(clusterName);
    nodes = List.copyOf(Check.required(nodes, "ObservabilityProps.nodes"));
    functions = Map.copyOf(Check.required(functions, "ObservabilityProps.functions"));
    if (replicationLagBytes < 1) {
      throw new IllegalArgumentException("ObservabilityProps.replicationLagBytes must be positive, got " + replicationLagBytes);
    }
    Check.range(auroraReplicaLagMillis, 1, 3_600_000, "ObservabilityProps.auroraReplicaLagMillis");
  }

  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private String clusterName;
    private List<DatabaseTier.Node> nodes;
    private Map<String, ? extends IFunction> functions;
    private IDatabaseCluster auroraCluster;
    private NetworkTargetGroup pgpoolTargets;
    private long replicationLagBytes = 64L * 1024 * 1024;
    private int auroraReplicaLagMillis = 1000;

    public Builder clusterName(String value) {
      clusterName = value;
      return this;
    }

    public Builder nodes(List<DatabaseTier.Node> value) {
      nodes = value;
      return this;
    }

    public Builder functions(Map<String, ? extends IFunction> value) {
      functions = value;
      return this;
    }

    public Builder auroraCluster(IDatabaseCluster value) {
      auroraCluster = value;
      return this;
    }

    public Builder pgpoolTargets(NetworkTargetGroup value) {
      pgpoolTargets = value;
      return this;
    }

    public Builder replicationLagBytes(long value) {
      replicationLagBytes = value;
      return this;
    }

    public Builder auroraReplicaLagMillis(int value) {
      auroraReplicaLagMillis = value;
      return this;
    }

    public ObservabilityProps build() {
      return new ObservabilityProps(clusterName, nodes, functions, auroraCluster, pgpoolTargets, replicationLagBytes,
          auroraReplicaLagMillis);
    }
  }
}

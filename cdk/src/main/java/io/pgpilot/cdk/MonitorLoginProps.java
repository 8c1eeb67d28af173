package io.pgpilot.cdk;

import java.nio.file.Path;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.SubnetSelection;

/**
 * Props of {@link MonitorLogin}.
 *
 * @param clusterName the pgpilot cluster (required)
 * @param code        the functions' jar, which holds the function that makes the login (required)
 * @param vpc         the VPC of the Aurora cluster (required)
 * @param subnets     where the function runs: subnets that reach the cluster and the AWS APIs (required)
 * @param aurora      the Aurora cluster whose master makes the login (required)
 */
public record MonitorLoginProps(String clusterName, Path code, IVpc vpc, SubnetSelection subnets,
                                AuroraPostgres aurora) {

  public MonitorLoginProps {
    Check.clusterName(clusterName);
    Check.required(code, "MonitorLoginProps.code");
    Check.required(vpc, "MonitorLoginProps.vpc");
    Check.required(subnets, "MonitorLoginProps.subnets");
    Check.required(aurora, "MonitorLoginProps.aurora");
  }

  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private String clusterName;
    private Path code;
    private IVpc vpc;
    private SubnetSelection subnets;
    private AuroraPostgres aurora;

    public Builder clusterName(String value) {
      clusterName = value;
      return this;
    }

    public Builder code(Path value) {
      code = value;
      return this;
    }

    public Builder vpc(IVpc value) {
      vpc = value;
      return this;
    }

    public Builder subnets(SubnetSelection value) {
      subnets = value;
      return this;
    }

    public Builder aurora(AuroraPostgres value) {
      aurora = value;
      return this;
    }

    public MonitorLoginProps build() {
      return new MonitorLoginProps(clusterName, code, vpc, subnets, aurora);
    }
  }
}

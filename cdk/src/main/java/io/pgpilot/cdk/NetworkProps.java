package io.pgpilot.cdk;

import software.amazon.awscdk.services.logs.RetentionDays;

/**
 * Props of {@link Network}.
 *
 * @param cidr               the VPC's range; @default 10.80.0.0/16
 * @param maxAzs             Availability Zones, 2 or 3; @default 2
 * @param natGateways        NAT gateways for the hosts' and Lambdas' way out (package installs at
 *                           first boot, AWS APIs); 0 for none: then the hosts need an image with
 *                           their packages and the interface endpoints carry the AWS APIs; @default 1
 * @param interfaceEndpoints interface endpoints for SSM, ssmmessages, ec2messages, Secrets Manager,
 *                           SNS, CloudWatch Logs and monitoring, EC2 (DynamoDB always has a free
 *                           gateway endpoint); @default true exactly when natGateways is 0
 * @param flowLogRetention   how long the VPC flow log is kept; @default one month
 */
public record NetworkProps(String cidr, int maxAzs, int natGateways, boolean interfaceEndpoints,
                           RetentionDays flowLogRetention) {

  public NetworkProps {
    Check.cidr(cidr, "NetworkProps.cidr");
    Check.range(maxAzs, 2, 3, "NetworkProps.maxAzs");
    Check.range(natGateways, 0, maxAzs, "NetworkProps.natGateways");
    Check.required(flowLogRetention, "NetworkProps.flowLogRetention");
    if (natGateways == 0 && !interfaceEndpoints) {
      throw new IllegalArgumentException("NetworkProps: with natGateways 0 the interface endpoints are the only way"
          + " to SSM and the other AWS APIs; set interfaceEndpoints true or natGateways to 1 or more");
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private String cidr = "10.80.0.0/16";
    private int maxAzs = 2;
    private int natGateways = 1;
    private Boolean interfaceEndpoints;
    private RetentionDays flowLogRetention = RetentionDays.ONE_MONTH;

    public Builder cidr(String value) {
      cidr = value;
      return this;
    }

    public Builder maxAzs(int value) {
      maxAzs = value;
      return this;
    }

    public Builder natGateways(int value) {
      natGateways = value;
      return this;
    }

    public Builder interfaceEndpoints(boolean value) {
      interfaceEndpoints = value;
      return this;
    }

    public Builder flowLogRetention(RetentionDays value) {
      flowLogRetention = value;
      return this;
    }

    public NetworkProps build() {
      return new NetworkProps(cidr, maxAzs, natGateways,
          interfaceEndpoints != null ? interfaceEndpoints : natGateways == 0, flowLogRetention);
    }
  }
}

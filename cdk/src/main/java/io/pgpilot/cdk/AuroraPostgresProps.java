package io.pgpilot.cdk;

import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.InstanceType;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.rds.AuroraPostgresEngineVersion;

/**
 * Props of {@link AuroraPostgres}.
 *
 * @param clusterName        names the cluster's resources (required)
 * @param vpc                the VPC (required)
 * @param subnets            the DB subnet group (required)
 * @param instanceType       writer and readers; @default db.t4g.medium
 * @param engineVersion      @default Aurora PostgreSQL 16.13
 * @param deletionProtection @default true
 * @param backupRetentionDays @default 7
 */
public record AuroraPostgresProps(String clusterName, IVpc vpc, SubnetSelection subnets, InstanceType instanceType,
                                  AuroraPostgresEngineVersion engineVersion, boolean deletionProtection,
                                  int backupRetentionDays) {

  public AuroraPostgresProps {
    Check.clusterName(clusterName);
    Check.required(vpc, "AuroraPostgresProps.vpc");
    Check.required(subnets, "AuroraPostgresProps.subnets");
    Check.required(instanceType, "AuroraPostgresProps.instanceType");
    Check.required(engineVersion, "AuroraPostgresProps.engineVersion");
    Check.range(backupRetentionDays, 1, 35, "AuroraPostgresProps.backupRetentionDays");
  }

  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private String clusterName;
    private IVpc vpc;
    private SubnetSelection subnets;
    private InstanceType instanceType = new InstanceType("t4g.medium");
    private AuroraPostgresEngineVersion engineVersion = AuroraPostgresEngineVersion.VER_16_13;
    private boolean deletionProtection = true;
    private int backupRetentionDays = 7;

    public Builder clusterName(String value) {
      clusterName = value;
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

    public Builder instanceType(InstanceType value) {
      instanceType = value;
      return this;
    }

    public Builder engineVersion(AuroraPostgresEngineVersion value) {
      engineVersion = value;
      return this;
    }

    public Builder deletionProtection(boolean value) {
      deletionProtection = value;
      return this;
    }

    public Builder backupRetentionDays(int value) {
      backupRetentionDays = value;
      return this;
    }

    public AuroraPostgresProps build() {
      return new AuroraPostgresProps(clusterName, vpc, subnets, instanceType, engineVersion, deletionProtection,
          backupRetentionDays);
    }
  }
}

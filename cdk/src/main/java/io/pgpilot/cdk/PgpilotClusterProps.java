package io.pgpilot.cdk;

import java.nio.file.Path;
import java.util.List;
import software.amazon.awscdk.services.ec2.InstanceType;

/**
 * Props of {@link PgpilotCluster}: flat, built with {@link #builder()}.
 *
 * @param clusterName           the pgpilot:cluster tag and the alarm prefix pgpilot-{clusterName}- (required)
 * @param allowedCidrs          client ranges that may connect to pgpool's NLB, 1 to 8 (required)
 * @param lambdaCode            the functions' deployment jar (required)
 * @param ssmDocuments          the ssm-documents/ folder, read at synth time (required)
 * @param engine                @default {@link Engine#EC2}
 * @param vpcCidr               @default 10.80.0.0/16
 * @param natGateways           @default 1 (0: no NAT, interface endpoints only, and an image that has its packages)
 * @param interfaceEndpoints    @default true exactly when natGateways is 0
 * @param dbInstanceType        EC2 nodes or Aurora instances (db. is added for Aurora); @default t4g.medium
 * @param pgpoolInstanceType    @default t4g.small
 * @param pgpoolCapacity        @default 2
 * @param amiParameter          image of EC2 nodes and pgpool hosts; @default /aws/service/debian/release/12/latest/arm64
 * @param terminationProtection EC2 nodes and Aurora deletion protection; @default true
 * @param hostedZoneId          a Route 53 private zone for a record naming the primary; @default none
 * @param dnsName               that record; @default none (both or neither)
 * @param replicationLagBytes   the standbys' lag alarm threshold; @default 64 MiB
 */
public record PgpilotClusterProps(String clusterName, List<String> allowedCidrs, Path lambdaCode, Path ssmDocuments,
                                  Engine engine, String vpcCidr, int natGateways, Boolean interfaceEndpoints,
                                  InstanceType dbInstanceType, InstanceType pgpoolInstanceType, int pgpoolCapacity,
                                  String amiParameter, boolean terminationProtection, String hostedZoneId,
                                  String dnsName, long replicationLagBytes) {

  public PgpilotClusterProps {
    Check.clusterName(clusterName);
    allowedCidrs = Check.cidrs(allowedCidrs, "allowedCidrs");
    Check.required(lambdaCode, "lambdaCode");
    Check.required(ssmDocuments, "ssmDocuments");
    Check.required(engine, "engine");
    Check.cidr(vpcCidr, "vpcCidr");
    Check.required(dbInstanceType, "dbInstanceType");
    Check.required(pgpoolInstanceType, "pgpoolInstanceType");
    Check.required(amiParameter, "amiParameter");
  }

  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private String clusterName;
    private List<String> allowedCidrs;
    private Path lambdaCode;
    private Path ssmDocuments;
    private Engine engine = Engine.EC2;
    private String vpcCidr = "10.80.0.0/16";
    private int natGateways = 1;
    private Boolean interfaceEndpoints;
    private InstanceType dbInstanceType = new InstanceType("t4g.medium");
    private InstanceType pgpoolInstanceType = new InstanceType("t4g.small");
    private int pgpoolCapacity = 2;
    private String amiParameter = Defaults.AMI_PARAMETER;
    private boolean terminationProtection = true;
    private String hostedZoneId;
    private String dnsName;
    private long replicationLagBytes = 64L * 1024 * 1024;

    public Builder clusterName(String value) {
      clusterName = value;
      return this;
    }

    public Builder allowedCidrs(List<String> value) {
      allowedCidrs = value;
      return this;
    }

    public Builder lambdaCode(Path value) {
      lambdaCode = value;
      return this;
    }

    public Builder ssmDocuments(Path value) {
      ssmDocuments = value;
      return this;
    }

    public Builder engine(Engine value) {
      engine = value;
      return this;
    }

    public Builder vpcCidr(String value) {
      vpcCidr = value;
      return this;
    }

    public Builder natGateways(int value) {
      natGateways = value;
      return this;
    }

    public Builder interfaceEndpoints(Boolean value) {
      interfaceEndpoints = value;
      return this;
    }

    public Builder dbInstanceType(InstanceType value) {
      dbInstanceType = value;
      return this;
    }

    public Builder pgpoolInstanceType(InstanceType value) {
      pgpoolInstanceType = value;
      return this;
    }

    public Builder pgpoolCapacity(int value) {
      pgpoolCapacity = value;
      return this;
    }

    public Builder amiParameter(String value) {
      amiParameter = value;
      return this;
    }

    public Builder terminationProtection(boolean value) {
      terminationProtection = value;
      return this;
    }

    public Builder hostedZoneId(String value) {
      hostedZoneId = value;
      return this;
    }

    public Builder dnsName(String value) {
      dnsName = value;
      return this;
    }

    public Builder replicationLagBytes(long value) {
      replicationLagBytes = value;
      return this;
    }

    public PgpilotClusterProps build() {
      return new PgpilotClusterProps(clusterName, allowedCidrs, lambdaCode, ssmDocuments, engine, vpcCidr,
          natGateways, interfaceEndpoints, dbInstanceType, pgpoolInstanceType, pgpoolCapacity, amiParameter,
          terminationProtection, hostedZoneId, dnsName, replicationLagBytes);
    }
  }
}

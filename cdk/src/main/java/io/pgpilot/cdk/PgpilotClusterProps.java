package io.pgpilot.cdk;

import java.nio.file.Path;
import java.util.List;
import software.amazon.awscdk.Token;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.InstanceType;
import software.amazon.awscdk.services.ec2.SelectedSubnets;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.SubnetType;

/**
 * Props of {@link PgpilotCluster}: flat, built with {@link #builder()}. lambdaCode and ssmDocuments
 * are paths into a pgpilot checkout (after {@code mvn -pl cdk -am install}), read at synth time.
 *
 * @param clusterName           the pgpilot:cluster tag and the alarm prefix pgpilot-{clusterName}- (required)
 * @param allowedCidrs          client ranges that may connect to pgpool's NLB, 1 to 8 (required with pgpool;
 *                              @default none without)
 * @param lambdaCode            the functions' deployment jar, functions/target/pgpilot-functions-lambda.jar of a
 *                              pgpilot checkout (required)
 * @param ssmDocuments          the ssm-documents/ folder of a pgpilot checkout, read at synth time (required)
 * @param engine                @default {@link Engine#EC2}
 * @param vpc                   an existing VPC to deploy into; @default none: a new VPC ({@link Network}) made of
 *                              vpcCidr, natGateways and interfaceEndpoints, which an existing VPC refuses
 * @param subnets               where hosts, the NLB and the functions go, at least 2 subnets in 2 AZs; only with
 *                              vpc; @default the VPC's private subnets (with egress if it has any, else isolated)
 * @param replicationCidr       the range standbys and clients connect from, for pg_hba.conf and the documents;
 *                              @default vpcCidr for the made VPC, the VPC's range for an existing one (required
 *                              when that range is not a literal at synth, as with a VPC made in the same app)
 * @param vpcCidr               the made VPC's range; @default 10.80.0.0/16
 * @param natGateways           the made VPC's; @default 1 (0: no NAT, interface endpoints only, and an image that
 *                              has its packages)
 * @param interfaceEndpoints    the made VPC's; @default true exactly when natGateways is 0
 * @param pgpool                a pgpool fleet behind an NLB as the clients' endpoint; @default true
 * @param databaseSecurityGroup engine existing: the database instances' security group, which pgpool and the
 *                              functions get 5432 on (required with engine existing, refused with the others)
 * @param existingNodes         engine existing: the nodes as name=address, primary first, names equal to their
 *                              pgpilot:name tags, IPv4 addresses (required with engine existing and pgpool,
 *                              refused with the other engines); @default none
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
                                  Engine engine, IVpc vpc, SubnetSelection subnets, String replicationCidr,
                                  String vpcCidr, int natGateways, Boolean interfaceEndpoints, boolean pgpool,
                                  ISecurityGroup databaseSecurityGroup, List<String> existingNodes,
                                  InstanceType dbInstanceType, InstanceType pgpoolInstanceType, int pgpoolCapacity,
                                  String amiParameter, boolean terminationProtection, String hostedZoneId,
                                  String dnsName, long replicationLagBytes) {

  public PgpilotClusterProps {
    Check.clusterName(clusterName);
    allowedCidrs = pgpool || (allowedCidrs != null && !allowedCidrs.isEmpty())
        ? Check.cidrs(allowedCidrs, "allowedCidrs") : List.of();
    Check.required(lambdaCode, "lambdaCode");
    Check.required(ssmDocuments, "ssmDocuments");
    Check.required(engine, "engine");
    Check.cidr(vpcCidr, "vpcCidr");
    if (vpc == null) {
      if (subnets != null) {
        throw new IllegalArgumentException("subnets select from an existing vpc, but no vpc was given; pass vpc too,"
            + " or drop subnets to use the private subnets of the VPC pgpilot makes");
      }
      if (engine == Engine.EXISTING) {
        throw new IllegalArgumentException("engine existing needs vpc: the VPC your database instances run in, where"
            + " the functions and pgpool reach them");
      }
      replicationCidr = replicationCidr == null ? vpcCidr : Check.cidr(replicationCidr, "replicationCidr");
    } else {
      if (!Defaults.VPC_CIDR.equals(vpcCidr) || natGateways != Defaults.NAT_GATEWAYS || interfaceEndpoints != null) {
        throw new IllegalArgumentException("vpcCidr, natGateways and interfaceEndpoints shape the VPC pgpilot makes,"
            + " but vpc " + name(vpc) + " was given, with vpcCidr=" + vpcCidr + ", natGateways=" + natGateways
            + ", interfaceEndpoints=" + interfaceEndpoints + "; drop them (replicationCidr sets pg_hba.conf's range),"
            + " or drop vpc");
      }
      subnets = spread(vpc, subnets != null ? subnets : privateSubnets(vpc));
      String range = replicationCidr != null ? replicationCidr : literalCidr(vpc);
      if (range == null) {
        throw new IllegalArgumentException("replicationCidr is required with vpc " + name(vpc) + ": its range is not"
            + " known at synth, and pg_hba.conf and the documents need a literal one; pass the range standbys and"
            + " clients connect from, e.g. replicationCidr(\"10.0.0.0/16\")");
      }
      replicationCidr = Check.cidr(range, "replicationCidr");
    }
    existingNodes = existingNodes == null ? List.of() : List.copyOf(existingNodes);
    if (engine == Engine.EXISTING) {
      if (databaseSecurityGroup == null) {
        throw new IllegalArgumentException("engine existing needs databaseSecurityGroup: the security group of your"
            + " database instances, which pgpool and the functions get 5432 on (got none)");
      }
      Check.nodes(existingNodes, "existingNodes");
      if (pgpool && existingNodes.isEmpty()) {
        throw new IllegalArgumentException("engine existing with pgpool needs existingNodes, pgpool's backends as"
            + " name=address, primary first (e.g. pg1=10.0.1.5, pg2=10.0.2.6), got none; pass them, or set pgpool"
            + " false");
      }
    } else if (databaseSecurityGroup != null || !existingNodes.isEmpty()) {
      throw new IllegalArgumentException("databaseSecurityGroup and existingNodes apply to engine existing only, got"
          + (databaseSecurityGroup != null ? " databaseSecurityGroup" : "")
          + (existingNodes.isEmpty() ? "" : " existingNodes " + existingNodes) + " with engine " + engine.id()
          + "; drop them, or set engine EXISTING");
    }
    Check.required(dbInstanceType, "dbInstanceType");
    Check.required(pgpoolInstanceType, "pgpoolInstanceType");
    Check.required(amiParameter, "amiParameter");
  }

  /** The VPC's id, or its construct path when the id is known only at deploy. */
  private static String name(IVpc vpc) {
    return Token.isUnresolved(vpc.getVpcId()) ? vpc.getNode().getPath() : vpc.getVpcId();
  }

  /** The VPC's range when it is a literal at synth; null otherwise. */
  private static String literalCidr(IVpc vpc) {
    try {
      String cidr = vpc.getVpcCidrBlock();
      return Token.isUnresolved(cidr) ? null : cidr;
    } catch (RuntimeException notSupplied) {
      // Vpc.fromVpcAttributes without vpcCidrBlock throws on the read.
      return null;
    }
  }

  private static SubnetSelection privateSubnets(IVpc vpc) {
    return SubnetSelection.builder().subnetType(vpc.getPrivateSubnets().isEmpty()
        ? SubnetType.PRIVATE_ISOLATED : SubnetType.PRIVATE_WITH_EGRESS).build();
  }

  /** The selection, if it spans two AZs at least: the standbys, the NLB and the functions need a second zone. */
  private static SubnetSelection spread(IVpc vpc, SubnetSelection subnets) {
    SelectedSubnets selected;
    try {
      selected = vpc.selectSubnets(subnets);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("vpc " + name(vpc) + ": cannot select its subnets (" + e.getMessage()
          + "); pass subnets naming 2 or more private subnets in different AZs", e);
    }
    List<String> zones = selected.getAvailabilityZones().stream().distinct().toList();
    if (selected.getSubnets().size() < 2 || zones.size() < 2) {
      throw new IllegalArgumentException("vpc " + name(vpc) + ": the subnet selection has " + selected.getSubnets().size()
          + " subnet(s) " + selected.getSubnetIds() + " in " + zones.size() + " AZ(s) " + zones + "; pgpilot needs 2"
          + " or more subnets in different AZs: pass subnets that span two AZs");
    }
    return subnets;
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
    private IVpc vpc;
    private SubnetSelection subnets;
    private String replicationCidr;
    private String vpcCidr = Defaults.VPC_CIDR;
    private int natGateways = Defaults.NAT_GATEWAYS;
    private Boolean interfaceEndpoints;
    private boolean pgpool = true;
    private ISecurityGroup databaseSecurityGroup;
    private List<String> existingNodes = List.of();
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

    public Builder vpc(IVpc value) {
      vpc = value;
      return this;
    }

    public Builder subnets(SubnetSelection value) {
      subnets = value;
      return this;
    }

    public Builder replicationCidr(String value) {
      replicationCidr = value;
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

    public Builder pgpool(boolean value) {
      pgpool = value;
      return this;
    }

    public Builder databaseSecurityGroup(ISecurityGroup value) {
      databaseSecurityGroup = value;
      return this;
    }

    public Builder existingNodes(List<String> value) {
      existingNodes = value;
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
      return new PgpilotClusterProps(clusterName, allowedCidrs, lambdaCode, ssmDocuments, engine, vpc, subnets,
          replicationCidr, vpcCidr, natGateways, interfaceEndpoints, pgpool, databaseSecurityGroup, existingNodes,
          dbInstanceType, pgpoolInstanceType, pgpoolCapacity, amiParameter, terminationProtection, hostedZoneId,
          dnsName, replicationLagBytes);
    }
  }
}

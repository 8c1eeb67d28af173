package io.pgpilot.cdk;

import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.InstanceType;
import software.amazon.awscdk.services.ec2.SubnetSelection;

/**
 * Props of {@link PostgresOnEc2}.
 *
 * @param clusterName           the pgpilot:cluster tag (required)
 * @param vpc                   the VPC (required)
 * @param subnets               where the nodes go, one AZ after another (required)
 * @param replicationCidr       the range standbys and clients connect from, for pg_hba.conf (required)
 * @param documents             the SSM documents the nodes run at bootstrap (required)
 * @param instanceType          @default t4g.medium (Graviton, 2 vCPU, 4 GiB)
 * @param volumeSizeGib         the encrypted gp3 root volume, which holds the data; @default 50
 * @param amiParameter          public SSM parameter of the image: Debian 12, whose postgresql-15 and
 *                              pg_lsclusters layout the documents expect; @default
 *                              /aws/service/debian/release/12/latest/arm64
 * @param pgVersion             PostgreSQL major version; @default 15
 * @param terminationProtection EC2 termination protection on the nodes; @default true
 * @param archive               the cluster's WAL archive, which every node archives to when primary and
 *                              backs up to; @default none (no archive)
 * @param ca                    the cluster's TLS CA, made at deploy, which signs every node's certificates
 *                              (required)
 */
public record PostgresOnEc2Props(String clusterName, IVpc vpc, SubnetSelection subnets, String replicationCidr,
                                 SsmDocuments documents, InstanceType instanceType, int volumeSizeGib,
                                 String amiParameter, String pgVersion, boolean terminationProtection,
                                 WalArchive archive, ClusterCa ca) {

  public PostgresOnEc2Props {
    Check.clusterName(clusterName);
    Check.required(vpc, "PostgresOnEc2Props.vpc");
    Check.required(subnets, "PostgresOnEc2Props.subnets");
    Check.cidr(replicationCidr, "PostgresOnEc2Props.replicationCidr");
    Check.required(documents, "PostgresOnEc2Props.documents");
    Check.required(ca, "PostgresOnEc2Props.ca");
    Check.required(instanceType, "PostgresOnEc2Props.instanceType");
    Check.range(volumeSizeGib, 8, 16384, "PostgresOnEc2Props.volumeSizeGib");
    if (amiParameter == null || !amiParameter.startsWith("/")) {
      throw new IllegalArgumentException("PostgresOnEc2Props.amiParameter must be an SSM parameter path such as"
          + " /aws/service/debian/release/12/latest/arm64, got '" + amiParameter + "'");
    }
    if (pgVersion == null || !pgVersion.matches("[0-9]{2}")) {
      throw new IllegalArgumentException("PostgresOnEc2Props.pgVersion must be two digits such as 15, got '"
          + pgVersion + "'");
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private String clusterName;
    private IVpc vpc;
    private SubnetSelection subnets;
    private String replicationCidr;
    private SsmDocuments documents;
    private InstanceType instanceType = new InstanceType("t4g.medium");
    private int volumeSizeGib = 50;
    private String amiParameter = Defaults.AMI_PARAMETER;
    private String pgVersion = "15";
    private boolean terminationProtection = true;
    private WalArchive archive;
    private ClusterCa ca;

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

    public Builder replicationCidr(String value) {
      replicationCidr = value;
      return this;
    }

    public Builder documents(SsmDocuments value) {
      documents = value;
      return this;
    }

    public Builder instanceType(InstanceType value) {
      instanceType = value;
      return this;
    }

    public Builder volumeSizeGib(int value) {
      volumeSizeGib = value;
      return this;
    }

    public Builder amiParameter(String value) {
      amiParameter = value;
      return this;
    }

    public Builder pgVersion(String value) {
      pgVersion = value;
      return this;
    }

    public Builder terminationProtection(boolean value) {
      terminationProtection = value;
      return this;
    }

    public Builder archive(WalArchive value) {
      archive = value;
      return this;
    }

    public Builder ca(ClusterCa value) {
      ca = value;
      return this;
    }

    public PostgresOnEc2Props build() {
      return new PostgresOnEc2Props(clusterName, vpc, subnets, replicationCidr, documents, instanceType,
          volumeSizeGib, amiParameter, pgVersion, terminationProtection, archive, ca);
    }
  }
}

package io.pgpilot.cdk;

import java.util.List;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.InstanceType;
import software.amazon.awscdk.services.ec2.SubnetSelection;

/**
 * Props of {@link PgpoolFleet}.
 *
 * @param clusterName   the pgpilot:cluster tag (required)
 * @param engine        which database tier the backends are (required)
 * @param vpc           the VPC (required)
 * @param subnets       where the hosts and the internal NLB go (required)
 * @param database      the database tier: backends, logins, security group (required)
 * @param documents     the SSM documents (UpdateHosts at boot; PgpoolBackends later) (required)
 * @param allowedCidrs  the client ranges that may reach pgpool through the NLB, 1 to 8 (required)
 * @param instanceType  @default t4g.small
 * @param capacity      pgpool hosts, spread over the subnets' zones; one would be a single point of failure
 *                      behind the load balancer until the group replaced it; @default 2
 * @param amiParameter  @default /aws/service/debian/release/12/latest/arm64 (pgpool2 4.3)
 */
public record PgpoolFleetProps(String clusterName, Engine engine, IVpc vpc, SubnetSelection subnets,
                               DatabaseTier database, SsmDocuments documents, List<String> allowedCidrs,
                               InstanceType instanceType, int capacity, String amiParameter) {

  public PgpoolFleetProps {
    Check.clusterName(clusterName);
    Check.required(engine, "PgpoolFleetProps.engine");
    Check.required(vpc, "PgpoolFleetProps.vpc");
    Check.required(subnets, "PgpoolFleetProps.subnets");
    Check.required(database, "PgpoolFleetProps.database");
    Check.required(documents, "PgpoolFleetProps.documents");
    allowedCidrs = Check.cidrs(allowedCidrs, "PgpoolFleetProps.allowedCidrs");
    Check.required(instanceType, "PgpoolFleetProps.instanceType");
    Check.range(capacity, 1, 8, "PgpoolFleetProps.capacity");
    Check.required(amiParameter, "PgpoolFleetProps.amiParameter");
  }

  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private String clusterName;
    private Engine engine;
    private IVpc vpc;
    private SubnetSelection subnets;
    private DatabaseTier database;
    private SsmDocuments documents;
    private List<String> allowedCidrs;
    private InstanceType instanceType = new InstanceType("t4g.small");
    private int capacity = 2;
    private String amiParameter = Defaults.AMI_PARAMETER;

    public Builder clusterName(String value) {
      clusterName = value;
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

    public Builder database(DatabaseTier value) {
      database = value;
      return this;
    }

    public Builder documents(SsmDocuments value) {
      documents = value;
      return this;
    }

    public Builder allowedCidrs(List<String> value) {
      allowedCidrs = value;
      return this;
    }

    public Builder instanceType(InstanceType value) {
      instanceType = value;
      return this;
    }

    public Builder capacity(int value) {
      capacity = value;
      return this;
    }

    public Builder amiParameter(String value) {
      amiParameter = value;
      return this;
    }

    public PgpoolFleetProps build() {
      return new PgpoolFleetProps(clusterName, engine, vpc, subnets, database, documents, allowedCidrs,
          instanceType, capacity, amiParameter);
    }
  }
}

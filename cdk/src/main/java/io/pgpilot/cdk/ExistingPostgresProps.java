package io.pgpilot.cdk;

import java.util.List;
import software.amazon.awscdk.services.ec2.ISecurityGroup;

/**
 * Props of {@link ExistingPostgres}.
 *
 * @param clusterName   the pgpilot:cluster tag the instances carry (required)
 * @param securityGroup the database instances' security group: pgpool and the functions get 5432 on it (required)
 * @param documents     the cluster's SSM documents, which the instances' role may fetch (required)
 * @param nodes         the nodes as name=address, primary first: pgpool's backends and hosts entries; a name
 *                      must equal the instance's pgpilot:name tag, an address is IPv4; @default none (no pgpool
 *                      fleet needs them)
 */
public record ExistingPostgresProps(String clusterName, ISecurityGroup securityGroup, SsmDocuments documents,
                                    List<String> nodes) {

  public ExistingPostgresProps {
    Check.clusterName(clusterName);
    Check.required(securityGroup, "ExistingPostgresProps.securityGroup");
    Check.required(documents, "ExistingPostgresProps.documents");
    Check.nodes(nodes, "ExistingPostgresProps.nodes");
    nodes = List.copyOf(nodes);
  }

  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private String clusterName;
    private ISecurityGroup securityGroup;
    private SsmDocuments documents;
    private List<String> nodes = List.of();

    public Builder clusterName(String value) {
      clusterName = value;
      return this;
    }

    public Builder securityGroup(ISecurityGroup value) {
      securityGroup = value;
      return this;
    }

    public Builder documents(SsmDocuments value) {
      documents = value;
      return this;
    }

    public Builder nodes(List<String> value) {
      nodes = value;
      return this;
    }

    public ExistingPostgresProps build() {
      return new ExistingPostgresProps(clusterName, securityGroup, documents, nodes);
    }
  }
}

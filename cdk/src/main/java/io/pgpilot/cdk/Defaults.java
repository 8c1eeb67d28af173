package io.pgpilot.cdk;

/** Defaults shared by several props, apart from construction. */
final class Defaults {

  /** Debian 12: the documents drive Debian's postgresql-common (pg_lsclusters, pg_ctlcluster) and pgpool2 4.3. */
  static final String AMI_PARAMETER = "/aws/service/debian/release/12/latest/arm64";

  /** The range of the VPC pgpilot makes when it is given none. */
  static final String VPC_CIDR = "10.80.0.0/16";

  /** NAT gateways of the VPC pgpilot makes. */
  static final int NAT_GATEWAYS = 1;

  /** The functions' CloudWatch namespace (PGPILOT_METRICS_NAMESPACE's default). */
  static final String METRICS_NAMESPACE = "pgpilot";

  private Defaults() {
  }
}

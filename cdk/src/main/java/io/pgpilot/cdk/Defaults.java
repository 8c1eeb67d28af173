package io.pgpilot.cdk;

/** Defaults shared by several props, apart from construction. */
final class Defaults {

  /** Debian 12: the documents drive Debian's postgresql-common (pg_lsclusters, pg_ctlcluster) and pgpool2 4.3. */
  static final String AMI_PARAMETER = "/aws/service/debian/release/12/latest/arm64";

  /** The functions' CloudWatch namespace (PGPILOT_METRICS_NAMESPACE's default). */
  static final String METRICS_NAMESPACE = "pgpilot";

  private Defaults() {
  }
}

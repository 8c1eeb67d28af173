package io.pgpilot.cdk;

/** The EC2 tags pgpilot reads its topology from (the functions' Instances interface names the same). */
public final class PgpilotTags {
  public static final String CLUSTER = "pgpilot:cluster";
  public static final String NAME = "pgpilot:name";
  public static final String ROLE = "pgpilot:role";
  public static final String PGCLUSTER = "pgpilot:pgcluster";
  public static final String UPSTREAM = "pgpilot:upstream";
  public static final String SYNC = "pgpilot:sync";
  /** pgpilot:role of pgpool hosts (the functions' Inventory.PGPOOL_ROLE). */
  public static final String PGPOOL_ROLE = "pgpool";

  private PgpilotTags() {
  }
}

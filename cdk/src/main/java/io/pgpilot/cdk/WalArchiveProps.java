package io.pgpilot.cdk;

/**
 * Props of {@link WalArchive}.
 *
 * @param clusterName          the cluster whose archive it is: the pgBackRest stanza and the bucket's key
 *                             prefix (required)
 * @param retentionFull        full backups pgBackRest keeps (repo1-retention-full), with the differential
 *                             and incremental ones and the WAL they need; @default 2
 * @param noncurrentVersionDays days S3 keeps an object's overwritten or deleted versions, so that a mistaken
 *                             expire or a compromised host's deletes can be undone; @default 7
 */
public record WalArchiveProps(String clusterName, int retentionFull, int noncurrentVersionDays) {

  public WalArchiveProps {
    Check.clusterName(clusterName);
    Check.range(retentionFull, 1, 999, "WalArchiveProps.retentionFull");
    Check.range(noncurrentVersionDays, 1, 3650, "WalArchiveProps.noncurrentVersionDays");
  }

  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private String clusterName;
    private int retentionFull = 2;
    private int noncurrentVersionDays = 7;

    public Builder clusterName(String value) {
      clusterName = value;
      return this;
    }

    public Builder retentionFull(int value) {
      retentionFull = value;
      return this;
    }

    public Builder noncurrentVersionDays(int value) {
      noncurrentVersionDays = value;
      return this;
    }

    public WalArchiveProps build() {
      return new WalArchiveProps(clusterName, retentionFull, noncurrentVersionDays);
    }
  }
}

package io.pgpilot.cdk;

import java.nio.file.Path;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.rds.IDatabaseCluster;

/**
 * Props of {@link FailoverAutomation}.
 *
 * @param clusterName     PGPILOT_CLUSTER, the pgpilot:cluster tag the functions manage (required)
 * @param vpc             the VPC the functions probe PostgreSQL from (required)
 * @param subnets         the functions' subnets (required)
 * @param code            the functions' deployment jar (functions/target/pgpilot-functions-lambda.jar) (required)
 * @param documents       the SSM documents the functions may send (required)
 * @param database        the database tier: security group, monitor login, nodes to watch (required)
 * @param replicationCidr PGPILOT_REPLICATION_CIDR: the ranges standbys connect from (required)
 * @param auroraCluster   the Aurora cluster the functions manage (PGPILOT_ENGINE=aurora,
 *                        PGPILOT_AURORA_CLUSTER_ID); @default none: PGPILOT_ENGINE=ec2
 * @param hostedZoneId    PGPILOT_HOSTED_ZONE_ID, a Route 53 private zone naming the primary; @default none
 * @param dnsName         PGPILOT_DNS_NAME, the record in that zone; @default none (both or neither)
 * @param memorySizeMb    @default 1024
 * @param timeout         a failover's whole run: several SSM commands of up to 2 minutes each; @default 10 minutes
 * @param dbSslMode       PGPILOT_DB_SSLMODE of the probe; @default require (the functions do not ship the
 *                        cluster's CA, which pg1 makes at first boot; verify-full needs it in the jar)
 * @param logRetention    @default one month
 * @param archiveStanza   PGPILOT_ARCHIVE_STANZA, the WAL archive's pgBackRest stanza: adds the Backup
 *                        function that {@link BackupSchedule} calls; @default none (no archive)
 */
public record FailoverAutomationProps(String clusterName, IVpc vpc, SubnetSelection subnets, Path code,
                                      SsmDocuments documents, DatabaseTier database, String replicationCidr,
                                      IDatabaseCluster auroraCluster, String hostedZoneId, String dnsName,
                                      int memorySizeMb, Duration timeout, String dbSslMode,
                                      RetentionDays logRetention, String archiveStanza) {

  public FailoverAutomationProps {
    Check.clusterName(clusterName);
    Check.required(vpc, "FailoverAutomationProps.vpc");
    Check.required(subnets, "FailoverAutomationProps.subnets");
    Check.required(code, "FailoverAutomationProps.code");
    if (!code.toFile().isFile()) {
      throw new IllegalArgumentException("the functions' jar " + code.toAbsolutePath() + " does not exist; build it"
          + " first (mvn -pl functions package), or pass its path as context key lambdaAsset");
    }
    Check.required(documents, "FailoverAutomationProps.documents");
    Check.required(database, "FailoverAutomationProps.database");
    Check.cidr(replicationCidr, "FailoverAutomationProps.replicationCidr");
    if ((hostedZoneId == null) != (dnsName == null)) {
      throw new IllegalArgumentException("hostedZoneId and dnsName go together: got hostedZoneId=" + hostedZoneId
          + ", dnsName=" + dnsName + "; set both for a Route 53 record of the primary, or neither");
    }
    if (hostedZoneId != null && auroraCluster != null) {
      throw new IllegalArgumentException("hostedZoneId/dnsName apply to the ec2 engine only: Aurora's cluster endpoint"
          + " already follows the writer; drop them, or deploy with engine ec2");
    }
    if (hostedZoneId != null && !hostedZoneId.matches("[A-Z0-9]{1,32}")) {
      throw new IllegalArgumentException("hostedZoneId must look like Z0123456789ABCDEFGHIJ, got '" + hostedZoneId + "'");
    }
    Check.range(memorySizeMb, 512, 10240, "FailoverAutomationProps.memorySizeMb");
    Check.required(timeout, "FailoverAutomationProps.timeout");
    if (!"require".equals(dbSslMode) && !"verify-ca".equals(dbSslMode) && !"verify-full".equals(dbSslMode)) {
      throw new IllegalArgumentException("dbSslMode must be require, verify-ca or verify-full, got '" + dbSslMode + "'");
    }
    Check.required(logRetention, "FailoverAutomationProps.logRetention");
    if (archiveStanza != null && auroraCluster != null) {
      throw new IllegalArgumentException("archiveStanza applies to the ec2 engine only: Aurora backs itself up");
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private String clusterName;
    private IVpc vpc;
    private SubnetSelection subnets;
    private Path code;
    private SsmDocuments documents;
    private DatabaseTier database;
    private String replicationCidr;
    private IDatabaseCluster auroraCluster;
    private String hostedZoneId;
    private String dnsName;
    private int memorySizeMb = 1024;
    private Duration timeout = Duration.minutes(10);
    private String dbSslMode = "require";
    private RetentionDays logRetention = RetentionDays.ONE_MONTH;
    private String archiveStanza;

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

    public Builder code(Path value) {
      code = value;
      return this;
    }

    public Builder documents(SsmDocuments value) {
      documents = value;
      return this;
    }

    public Builder database(DatabaseTier value) {
      database = value;
      return this;
    }

    public Builder replicationCidr(String value) {
      replicationCidr = value;
      return this;
    }

    public Builder auroraCluster(IDatabaseCluster value) {
      auroraCluster = value;
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

    public Builder memorySizeMb(int value) {
      memorySizeMb = value;
      return this;
    }

    public Builder timeout(Duration value) {
      timeout = value;
      return this;
    }

    public Builder dbSslMode(String value) {
      dbSslMode = value;
      return this;
    }

    public Builder logRetention(RetentionDays value) {
      logRetention = value;
      return this;
    }

    public Builder archiveStanza(String value) {
      archiveStanza = value;
      return this;
    }

    public FailoverAutomationProps build() {
      return new FailoverAutomationProps(clusterName, vpc, subnets, code, documents, database, replicationCidr,
          auroraCluster, hostedZoneId, dnsName, memorySizeMb, timeout, dbSslMode, logRetention, archiveStanza);
    }
  }
}

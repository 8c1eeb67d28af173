package io.pgpilot.cdk;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import io.github.cdklabs.cdknag.RegexAppliesTo;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.NoncurrentVersionTransition;
import software.constructs.Construct;

/**
 * The cluster's WAL archive and base backups: pgBackRest's repository in an S3 bucket of its own,
 * encrypted with the cluster's KMS key, never public, reachable over TLS only, versioned so that a
 * deleted or overwritten object can be recovered. The database hosts may read and write only the
 * cluster's prefix. The bucket outlives the stack: losing the cluster must not lose its archive.
 */
public final class WalArchive extends Construct {

  private final Bucket bucket;
  private final Key key;
  private final WalArchiveProps props;

  public WalArchive(Construct scope, String id, WalArchiveProps props) {
    super(scope, id);
    this.props = props;
    key = Key.Builder.create(this, "Key")
        .description("pgpilot " + props.clusterName() + ": encrypts the WAL archive and base backups")
        .enableKeyRotation(true)
        .removalPolicy(RemovalPolicy.RETAIN)
        .build();
    bucket = Bucket.Builder.create(this, "Bucket")
        .encryption(BucketEncryption.KMS)
        .encryptionKey(key)
        .bucketKeyEnabled(true)
        .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
        .enforceSsl(true)
        .versioned(true)
        .lifecycleRules(List.of(LifecycleRule.builder()
            .id("pgpilot-noncurrent-versions")
            .noncurrentVersionExpiration(Duration.days(props.noncurrentVersionDays()))
            .noncurrentVersionTransitions(List.<NoncurrentVersionTransition>of())
            .abortIncompleteMultipartUploadAfter(Duration.days(1))
            .build()))
        .removalPolicy(RemovalPolicy.RETAIN)
        .build();
    NagSuppressions.addResourceSuppressions(bucket, List.of(NagPackSuppression.builder().id("AwsSolutions-S1")
        .reason("Only the cluster's database hosts' role reaches this bucket, each request signed by it; CloudTrail"
            + " data events, where an account enables them, are the audit trail. Access logs would need a second"
            + " bucket per cluster.")
        .build()));
  }

  /** What pgBackRest on a database host needs: the cluster's prefix, read and write, and the key. */
  public void grantArchiving(IRole hosts) {
    String prefix = props.clusterName();
    hosts.addToPrincipalPolicy(PolicyStatement.Builder.create()
        .actions(List.of("s3:ListBucket"))
        .resources(List.of(bucket.getBucketArn()))
        .conditions(Map.of("StringLike", Map.of("s3:prefix", List.of(prefix + "/*", prefix))))
        .build());
    hosts.addToPrincipalPolicy(PolicyStatement.Builder.create()
        .actions(List.of("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"))
        .resources(List.of(bucket.arnForObjects(prefix + "/*")))
        .build());
    // SSE-KMS: a data key to write an object, a decrypt to read one; no wildcard action.
    hosts.addToPrincipalPolicy(PolicyStatement.Builder.create()
        .actions(List.of("kms:GenerateDataKey", "kms:Decrypt"))
        .resources(List.of(key.getKeyArn()))
        .build());
    NagSuppressions.addResourceSuppressions(hosts, List.of(NagPackSuppression.builder().id("AwsSolutions-IAM5")
        .reason("pgBackRest names its objects (WAL segments, backup files) as it writes them: the grant is every"
            + " object under the cluster's own prefix of its own archive bucket, nothing else")
        .appliesTo(List.of(RegexAppliesTo.builder().regex("/^Resource::<.*ArchiveBucket[A-F0-9]*\\.Arn>\\/.*\\/\\*$/g")
            .build()))
        .build()), true);
  }

  public Bucket bucket() {
    return bucket;
  }

  public Key key() {
    return key;
  }

  /** The pgBackRest stanza, and the bucket's key prefix: the cluster's name. */
  public String stanza() {
    return props.clusterName();
  }

  public int retentionFull() {
    return props.retentionFull();
  }
}

package io.pgpilot.cdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class WalArchiveTest {

  private final Synth.Result ec2 = Synth.ec2();
  private final Template template = ec2.template();

  @Test
  void theArchiveBucketIsEncryptedWithItsKeyPrivateTlsOnlyVersionedAndKept() {
    template.resourceCountIs("AWS::S3::Bucket", 1);
    template.hasResource("AWS::S3::Bucket", Map.of("DeletionPolicy", "Retain", "Properties", Map.of(
        "BucketEncryption", Map.of("ServerSideEncryptionConfiguration", List.of(Map.of(
            "BucketKeyEnabled", true,
            "ServerSideEncryptionByDefault", Map.of("SSEAlgorithm", "aws:kms", "KMSMasterKeyID", Match.anyValue())))),
        "PublicAccessBlockConfiguration", Map.of("BlockPublicAcls", true, "BlockPublicPolicy", true,
            "IgnorePublicAcls", true, "RestrictPublicBuckets", true),
        "VersioningConfiguration", Map.of("Status", "Enabled"))));
    template.hasResourceProperties("AWS::S3::BucketPolicy", Map.of("PolicyDocument", Map.of("Statement",
        Match.arrayWith(List.of(Match.objectLike(Map.of("Effect", "Deny", "Action", "s3:*",
            "Condition", Map.of("Bool", Map.of("aws:SecureTransport", "false")))))))));
    template.hasResourceProperties("AWS::KMS::Key", Map.of("EnableKeyRotation", true));
    // The Aurora engine has its own backups: no archive bucket there.
    Synth.aurora().template().resourceCountIs("AWS::S3::Bucket", 0);
  }

  @Test
  void theDatabaseHostsReachOnlyTheirClustersPrefixAndEveryNodeIsToldTheArchive() {
    List<Map<String, Object>> s3 = ec2.resources("AWS::IAM::Policy").values().stream()
        .flatMap(p -> Synth.statements(p).stream())
        .filter(s -> Synth.actions(s).stream().anyMatch(a -> a.startsWith("s3:"))).toList();
    assertEquals(2, s3.size(), s3.toString());
    Map<String, Object> list = s3.stream().filter(s -> Synth.actions(s).equals(List.of("s3:ListBucket"))).findFirst()
        .orElseThrow();
    assertEquals(Map.of("StringLike", Map.of("s3:prefix", List.of("main/*", "main"))), list.get("Condition"));
    Map<String, Object> objects = s3.stream().filter(s -> Synth.actions(s).contains("s3:PutObject")).findFirst()
        .orElseThrow();
    assertTrue(String.valueOf(objects.get("Resource")).endsWith("/main/*]]}"), String.valueOf(objects.get("Resource")));
    assertFalse(Synth.actions(objects).contains("s3:DeleteBucket"));
    String userData = ec2.json();
    for (String variable : List.of("PGPILOT_ARCHIVE_BUCKET", "PGPILOT_ARCHIVE_STANZA='main'", "PGPILOT_ARCHIVE_KMS_KEY")) {
      assertTrue(userData.contains(variable), variable);
    }
  }

  @Test
  void badPropsAreRefusedWithWhatWasWrong() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> WalArchiveProps.builder().clusterName("main").retentionFull(0).build());
    assertTrue(e.getMessage().contains("WalArchiveProps.retentionFull"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> WalArchiveProps.builder().clusterName("a b").build());
  }
}

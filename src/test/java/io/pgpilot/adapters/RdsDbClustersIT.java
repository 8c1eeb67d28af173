package io.pgpilot.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.pgpilot.core.ports.DbCluster;
import io.pgpilot.lab.LabExtension;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.rds.RdsClient;


/** Aurora mode: the writer moves to the reader the workflow chose. */
@ExtendWith(LabExtension.class)
class RdsDbClustersIT {

  @Test
  void givenAWriterAndTwoReaders_whenFailedOverToTheSecondReader_thenItIsTheWriterAndTheOldWriterAReader() {
    try (RdsClient rds = Emulator.client(RdsClient.builder())) {
      String cluster = Emulator.unique("pgpilot-it");
      rds.createDBCluster(r -> r.dbClusterIdentifier(cluster).engine("aurora-postgresql").engineVersion("15.4")
          .masterUsername("pgpilot").manageMasterUserPassword(true));
      for (String instance : List.of(cluster + "-a", cluster + "-b", cluster + "-c")) {
        rds.createDBInstance(r -> r.dbInstanceIdentifier(instance).dbClusterIdentifier(cluster)
            .engine("aurora-postgresql").dbInstanceClass("db.r6g.large"));
      }
      RdsDbClusters aurora = new RdsDbClusters(rds);

      DbCluster before = aurora.describe(cluster);
      String oldWriter = before.writer().orElseThrow().instanceId();
      String target = before.readers().get(1).instanceId();
      aurora.failover(cluster, target);
      DbCluster after = aurora.describe(cluster);

      assertEquals(3, before.members().size(), before::toString);
      assertEquals(2, before.readers().size(), before::toString);
      assertNotNull(before.endpoint());
      assertNotNull(before.readerEndpoint());
      assertEquals(target, after.writer().orElseThrow().instanceId(), after::toString);
      assertEquals(2, after.readers().size(), after::toString);
      assertEquals(true, after.readers().stream().anyMatch(m -> m.instanceId().equals(oldWriter)), after::toString);
    }
  }
}

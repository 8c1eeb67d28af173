package io.pgpilot.cdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.ClusterNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SsmDocumentsTest {

  @Test
  void everyFileBecomesACommandDocumentNamedAfterItAndItsClusterWithItsParsedContent() {
    Synth.Result ec2 = Synth.ec2();
    ClusterNames names = new ClusterNames("main");
    List<Path> files = SsmDocuments.files(Synth.root().resolve("ssm-documents"));
    Set<String> fileNames = files.stream().map(SsmDocumentsTest::name).collect(Collectors.toSet());
    Map<String, Map<String, Object>> byName = new TreeMap<>();
    ec2.resources("AWS::SSM::Document").values()
        .forEach(r -> byName.put((String) Synth.Result.properties(r).get("Name"), Synth.Result.properties(r)));
    assertEquals(files.size(), byName.size(), "one document per file: " + byName.keySet());
    for (Path file : files) {
      String name = names.document(name(file));
      Map<String, Object> props = byName.get(name);
      assertEquals("Command", props.get("DocumentType"), name);
      assertEquals("YAML", props.get("DocumentFormat"), name);
      assertEquals("NewVersion", props.get("UpdateMethod"), name);
      // The template holds the file's content, parsed, with its cluster's names: nothing copied by hand.
      assertEquals(names.deployed(SsmDocuments.read(file), fileNames), props.get("Content"), name);
    }
    assertTrue(byName.containsKey("pgpilot-main-PromoteStandby"), byName.keySet()::toString);
  }

  @Test
  @SuppressWarnings("unchecked")
  void aDeployedDocumentReadsItsClustersSecretsAndRunsItsClustersNestedDocument() {
    Map<String, Map<String, Object>> byName = new TreeMap<>();
    Synth.ec2().resources("AWS::SSM::Document").values()
        .forEach(r -> byName.put((String) Synth.Result.properties(r).get("Name"), Synth.Result.properties(r)));

    Map<String, Object> rebuild = (Map<String, Object>) byName.get("pgpilot-main-RebuildStandby").get("Content");
    Map<String, Object> pgpool = (Map<String, Object>) byName.get("pgpilot-main-PgpoolBackends").get("Content");

    Map<String, Object> step = ((List<Map<String, Object>>) rebuild.get("mainSteps")).get(0);
    assertEquals("pgpilot-main-ConfigureStandby", ((Map<String, Object>) step.get("inputs")).get("documentPath"));
    assertEquals("pgpilot/main/replication", parameter(rebuild, "replicationSecret").get("default"));
    assertEquals("pgpilot/main/pcp", parameter(pgpool, "pcpSecret").get("default"));
  }

  @Test
  void aDocumentOutsideThePrefixIsRefused(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("Other.yaml"), "schemaVersion: '2.2'\nmainSteps: []\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new SsmDocuments(new software.amazon.awscdk.Stack(), "Docs", dir, new ClusterNames("main")));
    assertTrue(e.getMessage().contains("is not named pgpilot-Name"), e.getMessage());
    assertTrue(e.getMessage().contains("rename it"), e.getMessage());
  }

  @Test
  void aMissingFolderSaysWhereItLooked() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SsmDocuments.files(Path.of("/nonexistent/ssm-documents")));
    assertTrue(e.getMessage().contains("context key ssmDocuments"), e.getMessage());
  }

  private static String name(Path file) {
    return file.getFileName().toString().replace(".yaml", "");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> parameter(Map<String, Object> content, String name) {
    return ((Map<String, Map<String, Object>>) content.get("parameters")).get(name);
  }
}

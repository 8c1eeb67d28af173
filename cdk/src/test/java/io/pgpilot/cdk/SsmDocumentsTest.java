package io.pgpilot.cdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SsmDocumentsTest {

  @Test
  void everyFileBecomesACommandDocumentNamedAfterItWithItsParsedContent() {
    Synth.Result ec2 = Synth.ec2();
    List<Path> files = SsmDocuments.files(Synth.root().resolve("ssm-documents"));
    Map<String, Map<String, Object>> byName = new TreeMap<>();
    ec2.resources("AWS::SSM::Document").values()
        .forEach(r -> byName.put((String) Synth.Result.properties(r).get("Name"), Synth.Result.properties(r)));
    assertEquals(files.size(), byName.size(), "one document per file: " + byName.keySet());
    for (Path file : files) {
      String name = file.getFileName().toString().replace(".yaml", "");
      Map<String, Object> props = byName.get(name);
      assertEquals("Command", props.get("DocumentType"), name);
      assertEquals("YAML", props.get("DocumentFormat"), name);
      assertEquals("NewVersion", props.get("UpdateMethod"), name);
      // The template holds the file's content, parsed: nothing copied by hand, nothing lost.
      assertEquals(SsmDocuments.read(file), props.get("Content"), name);
    }
    assertTrue(byName.containsKey("pgpilot-PromoteStandby"));
  }

  @Test
  void aDocumentOutsideThePrefixIsRefused(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("Other.yaml"), "schemaVersion: '2.2'\nmainSteps: []\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new SsmDocuments(new software.amazon.awscdk.Stack(), "Docs", dir));
    assertTrue(e.getMessage().contains("is not named pgpilot-*.yaml"), e.getMessage());
  }

  @Test
  void aMissingFolderSaysWhereItLooked() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SsmDocuments.files(Path.of("/nonexistent/ssm-documents")));
    assertTrue(e.getMessage().contains("context key ssmDocuments"), e.getMessage());
  }
}

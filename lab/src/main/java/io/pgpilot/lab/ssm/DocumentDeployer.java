package io.pgpilot.lab.ssm;

import io.pgpilot.core.ClusterNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.yaml.snakeyaml.Yaml;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.DocumentAlreadyExistsException;
import software.amazon.awssdk.services.ssm.model.DocumentFormat;
import software.amazon.awssdk.services.ssm.model.DocumentType;
import software.amazon.awssdk.services.ssm.model.InvalidDocumentException;

/**
 * Puts the SSM documents of a folder (ssm-documents/) into SSM as `cdk deploy` would: each file
 * as its cluster deploys it ({@link SsmDocument#deployed}); a document whose content differs gets
 * a new default version. In the lab this is how the service comes to run the files of the working
 * tree.
 */
public final class DocumentDeployer {

  private DocumentDeployer() {
  }

  /** Returns the names of the documents created or updated; those already the same are left alone. */
  public static List<String> deploy(SsmClient ssm, Path folder, ClusterNames names) {
    List<String> changed = new ArrayList<>();
    for (Path file : files(folder)) {
      SsmDocument document = SsmDocument.deployed(file, names);
      if (deploy(ssm, document)) {
        changed.add(document.name());
      }
    }
    return changed;
  }

  private static boolean deploy(SsmClient ssm, SsmDocument document) {
    String deployed;
    try {
      deployed = ssm.getDocument(r -> r.name(document.name())).content();
    } catch (InvalidDocumentException missing) {
      try {
        ssm.createDocument(r -> r.name(document.name()).content(document.content())
            .documentFormat(DocumentFormat.YAML).documentType(DocumentType.COMMAND));
        return true;
      } catch (DocumentAlreadyExistsException createdMeanwhile) {
        // Another test run deployed the same files at the same moment.
        return false;
      }
    }
    // The same document in another format (JSON, as CloudFormation passes it) is the same document.
    if (new Yaml().load(deployed).equals(new Yaml().load(document.content()))) {
      return false;
    }
    String version = ssm.updateDocument(r -> r.name(document.name()).content(document.content())
        .documentFormat(DocumentFormat.YAML).documentVersion("$LATEST")).documentDescription().documentVersion();
    ssm.updateDocumentDefaultVersion(r -> r.name(document.name()).documentVersion(version));
    return true;
  }

  private static List<Path> files(Path folder) {
    try (Stream<Path> files = Files.list(folder)) {
      List<Path> yaml = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
      if (yaml.isEmpty()) {
        throw new IllegalArgumentException("no SSM documents (*.yaml) in " + folder);
      }
      return yaml;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot list SSM documents in " + folder, e);
    }
  }
}

package io.pgpilot.cdk;

import io.pgpilot.core.ClusterNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.ssm.CfnDocument;
import software.constructs.Construct;

/**
 * Every SSM Command document of ssm-documents/, read from its file at synth time: the same
 * files the tests run on the lab and operators run by hand are what CloudFormation creates.
 * A document is named after its file and its cluster (pgpilot-PromoteStandby.yaml →
 * pgpilot-CLUSTER-PromoteStandby, {@link ClusterNames}), which is the name the Lambdas send and
 * the hosts read at bootstrap; its secret parameters default to the cluster's secrets.
 */
public final class SsmDocuments extends Construct {

  private final Map<String, CfnDocument> documents = new LinkedHashMap<>();

  /**
   * @param directory the folder of *.yaml documents (ssm-documents/)
   * @param names     the cluster's names: what the documents are called and their secrets
   */
  public SsmDocuments(Construct scope, String id, Path directory, ClusterNames names) {
    super(scope, id);
    List<Path> paths = files(directory);
    Set<String> files = new LinkedHashSet<>();
    for (Path file : paths) {
      files.add(file.getFileName().toString().replaceFirst("\\.yaml$", ""));
    }
    for (Path file : paths) {
      String fileName = file.getFileName().toString().replaceFirst("\\.yaml$", "");
      String name;
      try {
        name = names.document(fileName);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(e.getMessage() + " (" + file + "): the Lambdas send, and their permissions"
            + " cover, only documents named so: rename it");
      }
      CfnDocument document = CfnDocument.Builder.create(this, fileName.substring(ClusterNames.DOCUMENT_PREFIX.length()))
          .name(name)
          .documentType("Command")
          .documentFormat("YAML")
          .content(names.deployed(read(file), files))
          // A named document cannot be replaced; a new version keeps its name.
          .updateMethod("NewVersion")
          .build();
      documents.put(name, document);
    }
  }

  /** Document names, in file-name order. */
  public List<String> names() {
    return List.copyOf(documents.keySet());
  }

  public Map<String, CfnDocument> documents() {
    return Collections.unmodifiableMap(documents);
  }

  /** The ARNs of these documents, for IAM statements. */
  public List<String> arns() {
    Stack stack = Stack.of(this);
    List<String> arns = new ArrayList<>();
    for (String name : documents.keySet()) {
      arns.add(stack.formatArn(software.amazon.awscdk.ArnComponents.builder()
          .service("ssm").resource("document").resourceName(name).build()));
    }
    return arns;
  }

  static List<Path> files(Path directory) {
    if (!Files.isDirectory(directory)) {
      throw new IllegalArgumentException("SSM documents folder " + directory.toAbsolutePath() + " does not exist;"
          + " pass the repository's ssm-documents/ (context key ssmDocuments)");
    }
    try (Stream<Path> files = Files.list(directory)) {
      List<Path> yaml = files.filter(f -> f.getFileName().toString().endsWith(".yaml")).sorted().toList();
      if (yaml.isEmpty()) {
        throw new IllegalArgumentException("no *.yaml document in " + directory.toAbsolutePath());
      }
      return yaml;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + directory, e);
    }
  }

  /** The parsed YAML: CloudFormation takes the document's content as an object. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> read(Path file) {
    try {
      Object parsed = new Yaml(new SafeConstructor(new LoaderOptions()))
          .load(Files.readString(file, StandardCharsets.UTF_8));
      if (!(parsed instanceof Map<?, ?> map) || !"2.2".equals(String.valueOf(map.get("schemaVersion")))) {
        throw new IllegalArgumentException("SSM document " + file + " is not a schemaVersion 2.2 YAML mapping");
      }
      return (Map<String, Object>) map;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}

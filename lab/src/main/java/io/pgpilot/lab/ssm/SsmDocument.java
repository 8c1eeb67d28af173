package io.pgpilot.lab.ssm;

import io.pgpilot.core.ClusterNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * An SSM Command document (schemaVersion 2.2), from ssm-documents/ or as the emulator holds it,
 * rendered as SSM renders it:
 * parameters checked against their allowedPattern/allowedValues and defaults, `{{ name }}`
 * replaced in the scripts, and `SSM_name` variables for ENV_VAR parameters.
 */
public final class SsmDocument {

  public record Parameter(String name, String defaultValue, Pattern allowedPattern,
      List<String> allowedValues, boolean envVar) {}

  /** One step as the agent runs it: an action, a script or a nested document, a time limit. */
  public record Step(String name, String action, String script, String documentPath,
      Map<String, String> documentParameters, Duration timeout) {}

  /** What SendCommand answers for bad parameters: nothing runs. */
  public static final class InvalidParameters extends IllegalArgumentException {
    InvalidParameters(String message) {
      super(message);
    }
  }

  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z0-9_]+)\\s*\\}\\}");
  private static final Duration DEFAULT_TIMEOUT = Duration.ofHours(1);

  private final String name;
  private final Map<String, Parameter> parameters;
  private final List<Map<String, Object>> steps;
  private final String content;

  private SsmDocument(String name, String content) {
    this.name = name;
    this.content = content;
    if (!(new Yaml().load(content) instanceof Map<?, ?> loaded)) {
      throw new IllegalArgumentException(name + ": the content is not a YAML or JSON object");
    }
    Map<String, Object> root = map(loaded);
    if (!"2.2".equals(String.valueOf(root.get("schemaVersion")))) {
      throw new IllegalArgumentException(name + ": schemaVersion must be 2.2");
    }
    this.parameters = new LinkedHashMap<>();
    Map<String, Map<String, Object>> declared = map(root.get("parameters"));
    declared.forEach((key, p) -> parameters.put(key, new Parameter(key,
        p.containsKey("default") ? String.valueOf(p.get("default")) : null,
        p.containsKey("allowedPattern") ? Pattern.compile((String) p.get("allowedPattern")) : null,
        p.containsKey("allowedValues") ? ((List<?>) p.get("allowedValues")).stream().map(String::valueOf).toList() : null,
        "ENV_VAR".equals(p.get("interpolationType")))));
    this.steps = list(root.get("mainSteps"));
  }

  public static SsmDocument load(Path file) {
    String fileName = file.getFileName().toString();
    try {
      return parse(fileName.replaceFirst("\\.ya?ml$", ""), Files.readString(file));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + file, e);
    }
  }

  /**
   * The file as the cluster of {@code names} deploys it (CDK's SsmDocuments does the same): named
   * pgpilot-CLUSTER-Name, its secret parameters defaulting to the cluster's, its nested documents
   * the cluster's copies of the files beside it.
   */
  public static SsmDocument deployed(Path file, ClusterNames names) {
    String fileName = file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
    Set<String> siblings;
    try (Stream<Path> files = Files.list(file.toAbsolutePath().getParent())) {
      siblings = files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".yaml"))
          .map(f -> f.substring(0, f.length() - ".yaml".length())).collect(Collectors.toSet());
    } catch (IOException e) {
      throw new IllegalStateException("cannot list the documents beside " + file, e);
    }
    Map<String, Object> content = map(new Yaml().load(load(file).content()));
    DumperOptions block = new DumperOptions();
    block.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    return parse(names.document(fileName), new Yaml(block).dump(names.deployed(content, siblings)));
  }

  /** CONTENT: YAML or JSON (a JSON document is YAML too), as GetDocument returns it. */
  public static SsmDocument parse(String name, String content) {
    return new SsmDocument(name, content);
  }

  public String name() {
    return name;
  }

  public String content() {
    return content;
  }

  public Map<String, Parameter> parameters() {
    return parameters;
  }

  /** The values the agent gets: defaults filled in; unknown, missing or disallowed values refused. */
  public Map<String, String> resolve(Map<String, String> given) {
    for (String key : given.keySet()) {
      if (!parameters.containsKey(key)) {
        throw new InvalidParameters(name + ": unknown parameter " + key);
      }
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (Parameter p : parameters.values()) {
      String value = given.containsKey(p.name()) ? given.get(p.name()) : p.defaultValue();
      if (value == null) {
        throw new InvalidParameters(name + ": parameter " + p.name() + " is required");
      }
      if (p.allowedPattern() != null && !p.allowedPattern().matcher(value).find()) {
        throw new InvalidParameters(name + ": parameter " + p.name() + " does not match "
            + p.allowedPattern().pattern());
      }
      if (p.allowedValues() != null && !p.allowedValues().contains(value)) {
        throw new InvalidParameters(name + ": parameter " + p.name() + " must be one of " + p.allowedValues());
      }
      values.put(p.name(), value);
    }
    return values;
  }

  /** The steps with `{{ name }}` replaced by the resolved values. */
  public List<Step> render(Map<String, String> values) {
    List<Step> rendered = new ArrayList<>();
    for (Map<String, Object> step : steps) {
      Map<String, Object> inputs = map(step.get("inputs"));
      Duration timeout = inputs.containsKey("timeoutSeconds")
          ? Duration.ofSeconds(Long.parseLong(interpolate(String.valueOf(inputs.get("timeoutSeconds")), values)))
          : DEFAULT_TIMEOUT;
      String action = (String) step.get("action");
      switch (action) {
        case "aws:runShellScript" -> {
          List<String> lines = list(inputs.get("runCommand"));
          rendered.add(new Step((String) step.get("name"), action,
              interpolate(String.join("\n", lines), values), null, Map.of(), timeout));
        }
        case "aws:runDocument" -> {
          Map<String, String> nested = new LinkedHashMap<>();
          Object declared = inputs.get("documentParameters");
          Map<String, Object> raw = declared instanceof String s ? new Yaml().load(interpolate(s, values)) : map(declared);
          if (raw != null) {
            raw.forEach((k, v) -> nested.put(k, interpolate(String.valueOf(v), values)));
          }
          rendered.add(new Step((String) step.get("name"), action, null,
              (String) inputs.get("documentPath"), nested, timeout));
        }
        default -> throw new IllegalArgumentException(name + ": unsupported action " + action);
      }
    }
    return rendered;
  }

  /** The environment the agent (3.3.2746.0 and later) sets for ENV_VAR parameters. */
  public Map<String, String> environment(Map<String, String> values) {
    Map<String, String> env = new LinkedHashMap<>();
    parameters.values().stream().filter(Parameter::envVar)
        .forEach(p -> env.put("SSM_" + p.name(), values.get(p.name())));
    return env;
  }

  private static String interpolate(String text, Map<String, String> values) {
    Matcher m = PLACEHOLDER.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = values.get(m.group(1));
      m.appendReplacement(out, Matcher.quoteReplacement(value == null ? m.group() : value));
    }
    return m.appendTail(out).toString();
  }

  @SuppressWarnings("unchecked")
  private static <V> Map<String, V> map(Object o) {
    return o == null ? Map.of() : (Map<String, V>) o;
  }

  @SuppressWarnings("unchecked")
  private static <V> List<V> list(Object o) {
    return o == null ? List.of() : (List<V>) o;
  }
}

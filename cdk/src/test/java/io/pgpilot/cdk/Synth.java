package io.pgpilot.cdk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import software.amazon.awscdk.assertions.Template;

/**
 * One synth per engine for the whole test run (a synth takes seconds: jsii starts Node), shared by
 * every test class in the Surefire JVM.
 */
final class Synth {

  /** Engine existing's context: a VPC, a security group and nodes of the user's, all by id (no lookup). */
  static final Map<String, String> EXISTING = Map.of(
      "engine", Engine.EXISTING.id(),
      "vpcId", "vpc-0abc1234",
      "vpcCidr", "10.20.0.0/16",
      "availabilityZones", "us-east-1a,us-east-1b",
      "subnetIds", "subnet-0a1b2c3d4e5f60001,subnet-0a1b2c3d4e5f60002",
      "dbSecurityGroupId", "sg-0123456789abcdef0",
      "nodes", "pg1=10.20.1.5,pg2=10.20.2.6,pg3=10.20.1.7");

  record Result(Templates.Synthesized synthesized, Template template) {
    PgpilotStack stack() {
      return synthesized.stack();
    }

    PgpilotCluster cluster() {
      return synthesized.stack().cluster();
    }

    String json() {
      return synthesized.json();
    }

    /** Resources of one type by logical id. */
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> resources(String type) {
      return (Map<String, Map<String, Object>>) (Map<?, ?>) template.findResources(type);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> properties(Map<String, Object> resource) {
      return (Map<String, Object>) resource.get("Properties");
    }
  }

  private static final Map<Engine, Result> RESULTS = new EnumMap<>(Engine.class);

  private Synth() {
  }

  static synchronized Result of(Engine engine) {
    return RESULTS.computeIfAbsent(engine, e -> {
      try {
        Path outdir = Files.createTempDirectory("pgpilot-test-synth-" + e.id());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            Templates.deleteTree(outdir);
          } catch (IOException ignored) {
            // a temp folder left behind is harmless
          }
        }));
        Templates.Synthesized synthesized = Templates.synth(context(e), outdir);
        // The template of the synth above: fromStack would synthesize again and run the aspects twice.
        return new Result(synthesized, Template.fromString(synthesized.json()));
      } catch (IOException ex) {
        throw new UncheckedIOException(ex);
      }
    });
  }

  /** The app's context for an engine: its defaults, but for engine existing, which has none. */
  static Map<String, String> context(Engine engine) {
    return engine == Engine.EXISTING ? EXISTING : Map.of("engine", engine.id());
  }

  static Result ec2() {
    return of(Engine.EC2);
  }

  static Result aurora() {
    return of(Engine.AURORA);
  }

  static Result existing() {
    return of(Engine.EXISTING);
  }

  /** The repository root: the tests run in cdk/. */
  static Path root() {
    return Path.of("").toAbsolutePath().getParent();
  }

  /** Flattens an IAM policy's statements (a single statement may be an object). */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> statements(Map<String, Object> policyResource) {
    Map<String, Object> document = (Map<String, Object>) Result.properties(policyResource).get("PolicyDocument");
    Object statements = document.get("Statement");
    return statements instanceof List<?> list ? (List<Map<String, Object>>) list : List.of((Map<String, Object>) statements);
  }

  static List<String> actions(Map<String, Object> statement) {
    Object action = statement.get("Action");
    return action instanceof List<?> list ? list.stream().map(String::valueOf).collect(Collectors.toList())
        : List.of(String.valueOf(action));
  }
}

package io.pgpilot.cdk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.cxapi.CloudAssembly;
import software.amazon.awscdk.cxapi.SynthesisMessageLevel;

/**
 * The reviewed templates in cfn-templates/: one synth per engine of {@link #ENGINES} with the app's defaults,
 * normalized so that they change with the CDK code and the documents, not with every build of
 * the functions. Run as a program it rewrites them: {@code Templates DIR}.
 */
public final class Templates {

  /** The functions' asset hash (S3 key, asset path): new with every change to the code. */
  private static final Pattern ASSET_HASH = Pattern.compile("[0-9a-f]{64}");
  /** A Lambda version's logical id ends in a hash of the function's configuration, code included. */
  private static final Pattern VERSION_ID = Pattern.compile("(CurrentVersion[0-9A-F]{8})[0-9a-f]{32}");

  /** The engines with a default template: engine existing has none, it needs your VPC and instances. */
  public static final List<Engine> ENGINES = List.of(Engine.EC2, Engine.AURORA);

  private Templates() {
  }

  /**
   * A synthesized stack: the construct tree, its template as JSON text, and the synth's errors and
   * warnings (unacknowledged AwsSolutions findings among them) as "path: text".
   */
  public record Synthesized(PgpilotStack stack, String json, List<String> errors, List<String> warnings) {
  }

  /** One engine's app, synthesized into outdir with the default context. */
  public static Synthesized synth(Engine engine, Path outdir) {
    return synth(Map.of("engine", engine.id()), outdir);
  }

  /** The app with this context (-c key=value), synthesized into outdir. */
  public static Synthesized synth(Map<String, String> context, Path outdir) {
    App app = new App(AppProps.builder()
        .outdir(outdir.toString())
        .analyticsReporting(false)
        .context(context)
        .build());
    PgpilotStack stack = PgpilotApp.stack(app);
    CloudAssembly assembly = app.synth();
    try {
      return new Synthesized(stack, Files.readString(outdir.resolve(stack.getTemplateFile()), StandardCharsets.UTF_8),
          PgpilotApp.messages(assembly, SynthesisMessageLevel.ERROR),
          PgpilotApp.messages(assembly, SynthesisMessageLevel.WARNING));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the synthesized template in " + outdir, e);
    }
  }

  public static String normalize(String template) {
    String json = ASSET_HASH.matcher(template).replaceAll("ASSETHASH");
    json = VERSION_ID.matcher(json).replaceAll("$1VERSIONHASH");
    return json.endsWith("\n") ? json : json + "\n";
  }

  public static String fileName(Engine engine) {
    return "pgpilot-" + engine.id() + ".template.json";
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: Templates DIR (the cfn-templates/ folder)");
    }
    Path dir = Path.of(args[0]);
    Files.createDirectories(dir);
    for (Engine engine : ENGINES) {
      Path outdir = Files.createTempDirectory("pgpilot-synth-" + engine.id());
      Path file = dir.resolve(fileName(engine));
      try {
        Files.writeString(file, normalize(synth(engine, outdir).json()), StandardCharsets.UTF_8);
      } finally {
        deleteTree(outdir);
      }
      System.out.println("pgpilot: wrote " + file);
    }
  }

  /** Removes a synth's scratch folder (it holds a copy of the functions' jar). */
  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}

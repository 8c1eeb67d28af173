package io.pgpilot.cdk;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import software.amazon.awssdk.regions.Region;

/** `cdk/smoke-deploy.sh` as a user runs it, bounded: a smoke deploy takes well under a minute here. */
public final class SmokeDeploy {

  public record Run(int exit, String stdout, String stderr) {}

  static final Path ROOT = Path.of("..", "..").toAbsolutePath().normalize();

  private SmokeDeploy() {
  }

  public static Run run(Region region, String... args) throws Exception {
    List<String> command =
        Stream.concat(Stream.of(ROOT.resolve("cdk/smoke-deploy.sh").toString()), Stream.of(args)).toList();
    Path out = Files.createTempFile("pgpilot-smoke", ".out");
    Path err = Files.createTempFile("pgpilot-smoke", ".err");
    try {
      ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile())
          .redirectOutput(out.toFile()).redirectError(err.toFile());
      builder.environment().put("PGPILOT_SMOKE_REGION", region.id());
      Process p = builder.start();
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        fail("smoke-deploy " + String.join(" ", args) + " took over 10 minutes:\n" + Files.readString(err));
      }
      return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.delete(out);
      Files.delete(err);
    }
  }
}

package io.pgpilot.ssm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs SSM documents on a lab host as the SSM agent runs them on an instance: each
 * aws:runShellScript step is written to a script file and run with `sh -c FILE` as root, with
 * the SSM_ variables in its environment, inside the host's network namespace (its own address
 * and /etc/hosts); a step that overruns its timeoutSeconds is killed and reported TimedOut.
 */
public final class LabSsmAgent {

  public enum Status { Success, Failed, TimedOut }

  /** What GetCommandInvocation would report. */
  public record Invocation(String document, String host, Status status, int exitCode,
      String stdout, String stderr) {
    /** The script's result, by convention its last line of output. */
    public String lastLine() {
      String[] lines = stdout.strip().split("\n");
      return lines[lines.length - 1];
    }
  }

  private static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private final Path documents;

  public LabSsmAgent(Path documents) {
    this.documents = documents;
  }

  public SsmDocument document(String name) {
    Path file = documents.resolve(name + ".yaml");
    if (!Files.isRegularFile(file)) {
      throw new SsmDocument.InvalidParameters("no SSM document " + name + " in " + documents);
    }
    return SsmDocument.load(file);
  }

  /** Runs DOCUMENT on HOST; bad parameters throw before anything runs, as SendCommand refuses them. */
  public Invocation run(String host, String documentName, Map<String, String> parameters) {
    SsmDocument document = document(documentName);
    Map<String, String> values = document.resolve(parameters);
    StringBuilder out = new StringBuilder();
    StringBuilder err = new StringBuilder();
    for (SsmDocument.Step step : document.render(values)) {
      Invocation result = switch (step.action()) {
        case "aws:runDocument" -> run(host, step.documentPath(), step.documentParameters());
        default -> runScript(host, documentName, step, document.environment(values));
      };
      out.append(result.stdout());
      err.append(result.stderr());
      if (result.status() != Status.Success) {
        return new Invocation(documentName, host, result.status(), result.exitCode(), out.toString(), err.toString());
      }
    }
    return new Invocation(documentName, host, Status.Success, 0, out.toString(), err.toString());
  }

  private Invocation runScript(String host, String documentName, SsmDocument.Step step, Map<String, String> env) {
    try {
      Path dir = Files.createTempDirectory("pgpilot-ssm",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Path script = dir.resolve("_script.sh");
      Path stdout = dir.resolve("stdout");
      Path stderr = dir.resolve("stderr");
      try {
        Files.writeString(script, step.script());
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        ProcessBuilder builder = new ProcessBuilder(List.of("ip", "netns", "exec", host, "sh", "-c", script.toString()))
            .directory(dir.toFile())
            .redirectOutput(stdout.toFile())
            .redirectError(stderr.toFile());
        // The agent's environment, not ours: values travel in variables, never in argv.
        builder.environment().clear();
        builder.environment().put("PATH", PATH);
        builder.environment().put("HOME", "/root");
        builder.environment().put("LANG", "C.UTF-8");
        // Lab hosts share the machine's init: pg_ctlcluster must not hand clusters to it.
        builder.environment().put("_SYSTEMCTL_SKIP_REDIRECT", "1");
        builder.environment().putAll(env);
        Process process = builder.start();
        Status status;
        int exit;
        if (process.waitFor(step.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
          exit = process.exitValue();
          status = exit == 0 ? Status.Success : Status.Failed;
        } else {
          process.descendants().forEach(ProcessHandle::destroyForcibly);
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
          exit = 124;
          status = Status.TimedOut;
        }
        return new Invocation(documentName, host, status, exit, Files.readString(stdout), Files.readString(stderr));
      } finally {
        for (Path p : List.of(script, stdout, stderr, dir)) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + documentName + " on " + host, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

}

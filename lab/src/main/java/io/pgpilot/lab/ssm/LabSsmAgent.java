package io.pgpilot.lab.ssm;

import io.pgpilot.core.ClusterNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs SSM documents on a lab host as the SSM agent runs them on an instance: each
 * aws:runShellScript step is written to a script file and run with `sh -c FILE` as root, with
 * the SSM_ variables in its environment, inside the host's network namespace (its own address
 * and /etc/hosts); a step that overruns its timeoutSeconds is killed and reported TimedOut.
 * Interrupting the running thread cancels: the running step is killed and reported Cancelled.
 */
public final class LabSsmAgent {

  public enum Status { Success, Failed, TimedOut, Cancelled }

  /** Where documents are found by name: the one sent, and those that aws:runDocument steps name. */
  @FunctionalInterface
  public interface Documents {
    /** Throws {@link SsmDocument.InvalidParameters} when there is no such document. */
    SsmDocument document(String name);

    /**
     * NAME.yaml files in a folder, e.g. ssm-documents/, as the cluster of {@code names} deploys
     * them; a document is found by its file name or by its deployed name.
     */
    static Documents in(Path folder, ClusterNames names) {
      return name -> {
        String fileName = names.file(name) == null ? name : names.file(name);
        Path file = folder.resolve(fileName + ".yaml");
        if (!Files.isRegularFile(file)) {
          throw new SsmDocument.InvalidParameters("no SSM document " + name + " in " + folder);
        }
        return SsmDocument.deployed(file, names);
      };
    }
  }

  /** One step (a plugin, in SSM's words) as the agent reports it. */
  public record StepResult(String name, Status status, int exitCode, String stdout, String stderr,
      Instant started, Instant ended) {}

  /** What GetCommandInvocation would report: the steps that ran, and their sum. */
  public record Invocation(String document, String host, Status status, int exitCode,
      String stdout, String stderr, List<StepResult> steps) {
    /** The script's result, by convention its last line of output. */
    public String lastLine() {
      String[] lines = stdout.strip().split("\n");
      return lines[lines.length - 1];
    }
  }

  /** What the Linux agent reports for a step it stopped, on timeout or cancel: 128 + SIGKILL. */
  public static final int STOPPED_EXIT_CODE = 137;

  private static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private final Documents documents;
  private final Clock clock;

  /** The documents of a folder (ssm-documents/) as the cluster of {@code names} deploys them. */
  public LabSsmAgent(Path documents, ClusterNames names) {
    this(Documents.in(documents, names), Clock.systemUTC());
  }

  public LabSsmAgent(Documents documents, Clock clock) {
    this.documents = documents;
    this.clock = clock;
  }

  public SsmDocument document(String name) {
    return documents.document(name);
  }

  /** Runs DOCUMENT on HOST; bad parameters throw before anything runs, as SendCommand refuses them. */
  public Invocation run(String host, String documentName, Map<String, String> parameters) {
    return run(host, document(documentName), parameters);
  }

  /** Runs the steps in order and stops at the first one that does not succeed. */
  public Invocation run(String host, SsmDocument document, Map<String, String> parameters) {
    Map<String, String> values = document.resolve(parameters);
    List<StepResult> results = new ArrayList<>();
    for (SsmDocument.Step step : document.render(values)) {
      StepResult result = switch (step.action()) {
        case "aws:runDocument" -> runDocument(host, step);
        default -> runScript(host, document.name(), step, document.environment(values));
      };
      results.add(result);
      if (result.status() != Status.Success) {
        break;
      }
    }
    StringBuilder out = new StringBuilder();
    StringBuilder err = new StringBuilder();
    results.forEach(r -> {
      out.append(r.stdout());
      err.append(r.stderr());
    });
    StepResult last = results.isEmpty() ? null : results.get(results.size() - 1);
    return new Invocation(document.name(), host, last == null ? Status.Success : last.status(),
        last == null ? 0 : last.exitCode(), out.toString(), err.toString(), List.copyOf(results));
  }

  /** The nested document runs on the same host; a missing or refusing one fails the step, as on the agent. */
  private StepResult runDocument(String host, SsmDocument.Step step) {
    Instant started = clock.instant();
    try {
      Invocation nested = run(host, step.documentPath(), step.documentParameters());
      return new StepResult(step.name(), nested.status(), nested.exitCode(), nested.stdout(), nested.stderr(),
          started, clock.instant());
    } catch (IllegalArgumentException e) {
      return new StepResult(step.name(), Status.Failed, 1, "", e.getMessage() + "\n", started, clock.instant());
    }
  }

  private StepResult runScript(String host, String documentName, SsmDocument.Step step, Map<String, String> env) {
    boolean interrupted = false;
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
        Instant started = clock.instant();
        Process process = builder.start();
        Status status;
        int exit;
        try {
          if (process.waitFor(step.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
            exit = process.exitValue();
            status = exit == 0 ? Status.Success : Status.Failed;
          } else {
            stop(process);
            exit = STOPPED_EXIT_CODE;
            status = Status.TimedOut;
          }
        } catch (InterruptedException e) {
          // Cancelled: stop the step now, report it, and keep the interrupt for the caller.
          interrupted = true;
          stop(process);
          exit = STOPPED_EXIT_CODE;
          status = Status.Cancelled;
        }
        return new StepResult(step.name(), status, exit, Files.readString(stdout), Files.readString(stderr),
            started, clock.instant());
      } finally {
        for (Path p : List.of(script, stdout, stderr, dir)) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + documentName + " on " + host, e);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Kills the step and everything it started, as the agent kills the step's process group. */
  private static void stop(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

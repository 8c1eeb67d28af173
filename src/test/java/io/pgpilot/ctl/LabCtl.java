package io.pgpilot.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpilot.lab.invoke.LocalCtl;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;

/** {@code pgpilot ctl} against the lab's cluster, as ./pgpilot ctl runs it there, in this process. */
final class LabCtl {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** What one command printed, and its exit status. */
  record Run(int status, String out, String err) {
    JsonNode json() throws IOException {
      return JSON.readTree(out);
    }
  }

  private LabCtl() {
  }

  /** Runs ctl with {@code args} for the lab whose functions' environment is {@code env}. */
  static Run run(Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = new Ctl(name -> LocalCtl.lab(env, name), new PrintStream(out, true, StandardCharsets.UTF_8),
        Clock.systemUTC()).run(args, new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}

package io.pgpilot.cdk;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Pattern;
import software.amazon.awscdk.Token;
import software.amazon.awscdk.services.ec2.UserData;

/**
 * User data of a pgpilot host: shell variables from CDK (tokens resolve at deploy time), then
 * bootstrap-common.sh and the role's script, both kept as files beside this class so they read
 * (and lint) as shell rather than as Java strings.
 */
final class HostBootstrap {

  /** A variable's value goes in single quotes: anything but a quote is literal there. */
  private static final Pattern QUOTE = Pattern.compile("'");

  enum Kind {
    POSTGRES("bootstrap-postgres.sh"),
    PGPOOL("bootstrap-pgpool.sh");

    final String file;

    Kind(String file) {
      this.file = file;
    }
  }

  private HostBootstrap() {
  }

  /** The whole script, without the #! line that UserData.forLinux() writes. */
  static String script(Kind kind, Map<String, String> variables) {
    StringBuilder script = new StringBuilder();
    variables.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
      String value = e.getValue() == null ? "" : e.getValue();
      if (!Token.isUnresolved(value) && QUOTE.matcher(value).find()) {
        throw new IllegalArgumentException("user data variable " + e.getKey() + " must not contain a single quote,"
            + " got " + value);
      }
      script.append(e.getKey()).append("='").append(value).append("'\n");
    });
    return script.append(resource("bootstrap-common.sh")).append(resource(kind.file)).toString();
  }

  static UserData userData(Kind kind, Map<String, String> variables) {
    UserData userData = UserData.forLinux();
    userData.addCommands(script(kind, variables));
    return userData;
  }

  static String resource(String name) {
    try (InputStream in = HostBootstrap.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("resource " + name + " is missing from the pgpilot-cdk jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read resource " + name, e);
    }
  }
}

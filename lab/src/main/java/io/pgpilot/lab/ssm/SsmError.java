package io.pgpilot.lab.ssm;

/**
 * An error as SSM answers it in the JSON 1.1 protocol: HTTP 400 and {"__type": TYPE, "message": ...};
 * the SDK turns TYPE into its exception (InvalidParameters into InvalidParametersException).
 */
final class SsmError extends RuntimeException {

  private final String type;

  SsmError(String type, String message) {
    super(message);
    this.type = type;
  }

  String type() {
    return type;
  }

  static SsmError validation(String message) {
    return new SsmError("ValidationException", message);
  }

  static SsmError invalidParameters(String message) {
    return new SsmError("InvalidParameters", message);
  }
}

package io.pgpilot.lab.ssm;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the members of a JSON 1.1 request as SSM does: a missing required member is a
 * ValidationException, a member of the wrong JSON type a SerializationException.
 */
final class Members {

  private Members() {
  }

  static String text(JsonNode request, String member, boolean required) {
    JsonNode value = request.path(member);
    if (value.isMissingNode() || value.isNull()) {
      if (required) {
        throw SsmError.validation("1 validation error detected: Value null at '" + member
            + "' failed to satisfy constraint: Member must not be null");
      }
      return null;
    }
    if (!value.isTextual()) {
      throw serialization(member + " must be a string");
    }
    return value.textValue();
  }

  static String text(JsonNode request, String member, String absent) {
    String value = text(request, member, false);
    return value == null ? absent : value;
  }

  static int integer(JsonNode request, String member, int absent) {
    JsonNode value = request.path(member);
    if (value.isMissingNode() || value.isNull()) {
      return absent;
    }
    if (!value.isIntegralNumber() || !value.canConvertToInt()) {
      throw serialization(member + " must be an integer");
    }
    return value.intValue();
  }

  static List<String> strings(JsonNode request, String member) {
    JsonNode value = request.path(member);
    if (value.isMissingNode() || value.isNull()) {
      return List.of();
    }
    if (!value.isArray()) {
      throw serialization(member + " must be a list of strings");
    }
    List<String> strings = new ArrayList<>();
    value.forEach(v -> {
      if (!v.isTextual()) {
        throw serialization(member + " must be a list of strings");
      }
      strings.add(v.textValue());
    });
    return strings;
  }

  /** SendCommand's Parameters: each name with its list of values. */
  static Map<String, List<String>> parameters(JsonNode request) {
    Map<String, List<String>> parameters = new LinkedHashMap<>();
    JsonNode given = request.path("Parameters");
    if (given.isMissingNode() || given.isNull()) {
      return parameters;
    }
    if (!given.isObject()) {
      throw serialization("Parameters must be an object of string lists");
    }
    given.fieldNames().forEachRemaining(name -> parameters.put(name, strings(given, name)));
    return parameters;
  }

  /** SendCommand's Targets: Key and Values of each. */
  static List<Targets.Spec> targets(JsonNode request) {
    JsonNode given = request.path("Targets");
    if (given.isMissingNode() || given.isNull()) {
      return List.of();
    }
    if (!given.isArray()) {
      throw serialization("Targets must be a list");
    }
    List<Targets.Spec> specs = new ArrayList<>();
    given.forEach(target -> specs.add(new Targets.Spec(text(target, "Key", true), strings(target, "Values"))));
    return specs;
  }

  /** A filter the lab ignored would answer wrongly; refusing it says so. */
  static void refuseFilters(JsonNode request) {
    if (!request.path("Filters").isMissingNode() && !request.path("Filters").isEmpty()) {
      throw SsmError.validation("the lab SSM service does not serve Filters; select by CommandId and InstanceId");
    }
  }

  private static SsmError serialization(String message) {
    return new SsmError("SerializationException", message);
  }
}

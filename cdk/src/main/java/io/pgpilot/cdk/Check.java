package io.pgpilot.cdk;

import io.pgpilot.core.HostNames;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Early input checks: each message says what was wrong, what was received and how to fix it. */
final class Check {

  /** The pgpilot:cluster tag; also part of alarm and resource names (ClusterConfig's PGPILOT_CLUSTER). */
  static final Pattern CLUSTER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
  private static final String IPV4_TEXT =
      "((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
  private static final Pattern IPV4 = Pattern.compile(IPV4_TEXT);
  private static final Pattern IPV4_CIDR = Pattern.compile(IPV4_TEXT + "/([0-9]|[12][0-9]|3[0-2])");

  private Check() {
  }

  static <T> T required(T value, String what) {
    if (value == null) {
      throw new IllegalArgumentException(what + " is required (got null)");
    }
    return value;
  }

  static String clusterName(String name) {
    if (name == null || !CLUSTER.matcher(name).matches()) {
      throw new IllegalArgumentException("clusterName must be 1 to 63 letters, digits, '.', '_' or '-', starting with"
          + " a letter or digit, got '" + name + "'");
    }
    return name;
  }

  static String cidr(String cidr, String what) {
    if (cidr == null || !IPV4_CIDR.matcher(cidr).matches()) {
      throw new IllegalArgumentException(what + " must be an IPv4 CIDR such as 10.0.0.0/16, got '" + cidr + "'");
    }
    return cidr;
  }

  static List<String> cidrs(List<String> cidrs, String what) {
    if (cidrs == null || cidrs.isEmpty()) {
      throw new IllegalArgumentException(what + " needs at least one IPv4 CIDR (got none); e.g. 10.0.0.0/8");
    }
    if (cidrs.size() > 8) {
      throw new IllegalArgumentException(what + " takes at most 8 CIDRs, got " + cidrs.size() + ": " + cidrs);
    }
    cidrs.forEach(c -> cidr(c, what));
    return List.copyOf(cidrs);
  }

  /**
   * Existing database nodes as name=address, primary first, by name in that order: each name an
   * RFC 1123 host name (it becomes a hosts entry, a pgpool backend and must equal the instance's
   * pgpilot:name tag), each address IPv4.
   */
  static Map<String, String> nodes(List<String> nodes, String what) {
    Map<String, String> addresses = new LinkedHashMap<>();
    for (String node : required(nodes, what)) {
      String[] parts = String.valueOf(node).split("=", -1);
      if (parts.length != 2) {
        throw new IllegalArgumentException(what + " takes name=address items such as pg1=10.0.1.5, got '" + node + "'");
      }
      HostNames.requireHostName(parts[0], what + " name");
      if (!IPV4.matcher(parts[1]).matches()) {
        throw new IllegalArgumentException(what + ": the address of " + parts[0] + " must be an IPv4 address such as"
            + " 10.0.1.5, got '" + parts[1] + "'");
      }
      if (addresses.put(parts[0], parts[1]) != null) {
        throw new IllegalArgumentException(what + " names " + parts[0] + " twice: " + nodes);
      }
    }
    return addresses;
  }

  static int range(int value, int min, int max, String what) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(what + " must be from " + min + " to " + max + ", got " + value);
    }
    return value;
  }
}

package io.pgpilot.cdk;

import java.util.Map;
import java.util.TreeMap;

/**
 * Maps in key order, nested maps too. Map.of iterates in an order that changes from one JVM to the
 * next, and the order of a map handed to CDK is the order of the keys in the template: without
 * this, cfn-templates/ would drift on every run.
 */
final class Ordered {

  private Ordered() {
  }

  @SuppressWarnings("unchecked")
  static <V> Map<String, V> map(Map<String, V> map) {
    Map<String, V> sorted = new TreeMap<>();
    map.forEach((k, v) -> sorted.put(k, v instanceof Map<?, ?> inner ? (V) map((Map<String, Object>) inner) : v));
    return sorted;
  }
}

package io.pgpilot.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Argument checks of the core. They throw IllegalArgumentException, never NullPointerException:
 * bad input is the caller's mistake, and a handler reports it as a clear error and acts on nothing.
 */
final class Checks {

    private Checks() {
    }

    static <T> T notNull(T value, String what) {
        if (value == null) {
            throw new IllegalArgumentException(what + " is missing (null)");
        }
        return value;
    }

    static <T> List<T> list(List<T> values, String what) {
        notNull(values, what);
        for (T value : values) {
            notNull(value, "an element of " + what);
        }
        return List.copyOf(values);
    }

    /** An unmodifiable copy that keeps the iteration order, which Map.copyOf does not. */
    static <K, V> Map<K, V> orderedMap(Map<K, V> values, String what) {
        notNull(values, what);
        values.forEach((key, value) -> {
            notNull(key, "a key of " + what);
            notNull(value, what + " of " + key);
        });
        return Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** Quotes untrusted text for an error message, escaping control characters so it cannot forge log lines. */
    static String quote(String text) {
        StringBuilder quoted = new StringBuilder("\"");
        text.codePoints().forEach(c -> {
            if (c == '"' || c == '\\') {
                quoted.append('\\').appendCodePoint(c);
            } else if (Character.isISOControl(c)) {
                quoted.append(String.format("\\u%04x", c));
            } else {
                quoted.appendCodePoint(c);
            }
        });
        return quoted.append('"').toString();
    }
}

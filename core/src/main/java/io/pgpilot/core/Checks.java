package io.pgpilot.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Argument checks of the core and its ports, and the one way untrusted text is quoted. They throw
 * IllegalArgumentException, never NullPointerException: bad input is the caller's mistake, and a
 * handler reports it as a clear error and acts on nothing.
 */
public final class Checks {

    /** How much of an untrusted text an error message shows. */
    public static final int QUOTED_LENGTH = 200;

    private Checks() {
    }

    public static <T> T notNull(T value, String what) {
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

    /** The text, which must be neither missing nor blank. */
    public static String requireText(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " is missing or blank");
        }
        return value;
    }

    /**
     * Quotes untrusted text (or any value's text) for an error message or a log line: quotes,
     * backslashes and control characters escaped so that it cannot forge a line, cut after
     * {@value #QUOTED_LENGTH} characters; "null" for none.
     */
    public static String quote(Object value) {
        if (value == null) {
            return "null";
        }
        String text = String.valueOf(value);
        if (text.length() > QUOTED_LENGTH) {
            text = text.substring(0, QUOTED_LENGTH) + "...";
        }
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

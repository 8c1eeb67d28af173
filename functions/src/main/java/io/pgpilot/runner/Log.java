package io.pgpilot.runner;

import java.io.PrintStream;
import java.time.Clock;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One JSON object per line on standard output, which Lambda sends to CloudWatch Logs and Logs
 * Insights queries field by field: {"time":...,"level":"INFO","event":"decision","cluster":"main",...}.
 * No logging framework: a few lines, nothing to configure, nothing added to cold start.
 *
 * <p>Never give it a secret: the callers log names, addresses, LSNs, reasons and command
 * output, none of which holds one (the SSM documents read credentials by name).
 */
public final class Log {

    /** The keys every line starts with. */
    static final List<String> RESERVED = List.of("time", "level", "event");

    private final PrintStream out;
    private final Clock clock;

    public Log(PrintStream out, Clock clock) {
        this.out = out;
        this.clock = clock;
    }

    public void info(String event, Object... fields) {
        write("INFO", event, fields);
    }

    public void warn(String event, Object... fields) {
        write("WARN", event, fields);
    }

    public void error(String event, Object... fields) {
        write("ERROR", event, fields);
    }

    /**
     * {@code fields} alternate name and value; a null value is left out. A name may appear once and
     * never be time, level or event: a JSON object with a key twice is read differently by every
     * parser (Logs Insights keeps one of them), so such a call is a programming error.
     */
    private void write(String level, String event, Object... fields) {
        if (fields.length % 2 != 0) {
            throw new IllegalArgumentException("log fields come in name/value pairs, got " + fields.length);
        }
        Set<String> names = new HashSet<>(RESERVED);
        for (int i = 0; i < fields.length; i += 2) {
            if (!names.add(String.valueOf(fields[i]))) {
                throw new IllegalArgumentException("log field " + fields[i] + " of " + event + " appears twice or is"
                        + " one of " + RESERVED + ", which every line has");
            }
        }
        StringBuilder line = new StringBuilder(256);
        line.append("{\"time\":").append(json(clock.instant().toString()))
                .append(",\"level\":").append(json(level))
                .append(",\"event\":").append(json(event));
        for (int i = 0; i < fields.length; i += 2) {
            if (fields[i + 1] != null) {
                line.append(',').append(json(String.valueOf(fields[i]))).append(':').append(json(fields[i + 1]));
            }
        }
        line.append('}');
        synchronized (out) {
            out.println(line);
        }
    }

    /** A value as JSON: numbers and booleans as such, collections as arrays, maps as objects, the rest as strings. */
    public static String json(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Number || value instanceof Boolean) {
            return value.toString();
        }
        if (value instanceof Collection<?> items) {
            StringBuilder array = new StringBuilder("[");
            for (Object item : items) {
                array.append(array.length() > 1 ? "," : "").append(json(item));
            }
            return array.append(']').toString();
        }
        if (value instanceof Map<?, ?> map) {
            StringBuilder object = new StringBuilder("{");
            map.forEach((key, item) -> object.append(object.length() > 1 ? "," : "")
                    .append(json(String.valueOf(key))).append(':').append(json(item)));
            return object.append('}').toString();
        }
        String text = value.toString();
        StringBuilder quoted = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\r' -> quoted.append("\\r");
                case '\t' -> quoted.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        quoted.append(String.format("\\u%04x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }
}

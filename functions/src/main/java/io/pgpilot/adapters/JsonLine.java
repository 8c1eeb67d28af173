package io.pgpilot.adapters;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the one JSON object an SSM document prints as its last line of output. A small strict
 * RFC 8259 parser instead of a JSON library: this is the only JSON the adapters read, and a
 * library would add megabytes to every Lambda's artifact and cold start.
 *
 * <p>Objects become ordered maps, arrays lists, numbers Long when integral and in range (else
 * Double), and true, false and null Boolean and null.
 */
public final class JsonLine extends TextCursor {

    /** Deeper nesting is no document's result, and recursion must not exhaust the stack on odd output. */
    private static final int MAX_DEPTH = 32;

    private int depth;

    private JsonLine(String text) {
        super(text, " \t\r\n", "JSON");
    }

    /** The last non-blank line of {@code output} as a JSON object; empty when there is none or it is malformed. */
    public static Optional<Map<String, Object>> lastObject(String output) {
        if (output == null) {
            return Optional.empty();
        }
        String[] lines = output.split("\r?\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            String line = lines[i].strip();
            if (!line.isEmpty()) {
                try {
                    return Optional.of(parseObject(line));
                } catch (IllegalArgumentException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    /** Parses {@code text} as exactly one JSON object. */
    static Map<String, Object> parseObject(String text) {
        JsonLine parser = new JsonLine(text);
        parser.space();
        if (!parser.peek('{')) {
            throw parser.error("expected a JSON object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> object = (Map<String, Object>) parser.value();
        parser.space();
        if (parser.at != text.length()) {
            throw parser.error("unexpected text after the object");
        }
        return object;
    }

    private Object value() {
        space();
        if (at >= text.length()) {
            throw error("unexpected end");
        }
        char c = text.charAt(at);
        switch (c) {
            case '{':
                return object();
            case '[':
                return array();
            case '"':
                return string();
            case 't':
                return literal("true", Boolean.TRUE);
            case 'f':
                return literal("false", Boolean.FALSE);
            case 'n':
                return literal("null", null);
            default:
                if (c == '-' || c >= '0' && c <= '9') {
                    return number();
                }
                throw error("unexpected character '" + c + "'");
        }
    }

    private Map<String, Object> object() {
        enter();
        Map<String, Object> object = new LinkedHashMap<>();
        space();
        if (consume('}')) {
            depth--;
            return Collections.unmodifiableMap(object);
        }
        do {
            space();
            if (!peek('"')) {
                throw error("expected a quoted member name");
            }
            String name = string();
            space();
            expect(':');
            if (object.containsKey(name)) {
                throw error("duplicate member \"" + name + "\"");
            }
            object.put(name, value());
            space();
        } while (consume(','));
        expect('}');
        depth--;
        return Collections.unmodifiableMap(object);
    }

    private List<Object> array() {
        enter();
        List<Object> array = new ArrayList<>();
        space();
        if (consume(']')) {
            depth--;
            return Collections.unmodifiableList(array);
        }
        do {
            array.add(value());
            space();
        } while (consume(','));
        expect(']');
        depth--;
        return Collections.unmodifiableList(array);
    }

    private void enter() {
        at++;
        if (++depth > MAX_DEPTH) {
            throw error("nested deeper than " + MAX_DEPTH);
        }
    }

    private String string() {
        at++;
        StringBuilder s = new StringBuilder();
        while (true) {
            if (at >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(at++);
            if (c == '"') {
                return s.toString();
            }
            if (c < 0x20) {
                throw error("control character in a string");
            }
            if (c != '\\') {
                s.append(c);
                continue;
            }
            if (at >= text.length()) {
                throw error("unterminated escape");
            }
            char e = text.charAt(at++);
            switch (e) {
                case '"', '\\', '/' -> s.append(e);
                case 'b' -> s.append('\b');
                case 'f' -> s.append('\f');
                case 'n' -> s.append('\n');
                case 'r' -> s.append('\r');
                case 't' -> s.append('\t');
                case 'u' -> {
                    if (at + 4 > text.length()) {
                        throw error("short \\u escape");
                    }
                    try {
                        s.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                    } catch (NumberFormatException x) {
                        throw error("bad \\u escape");
                    }
                    at += 4;
                }
                default -> throw error("bad escape \\" + e);
            }
        }
    }

    private Object number() {
        int start = at;
        consume('-');
        if (!consume('0') && !digits()) {
            throw error("expected digits");
        }
        boolean integral = true;
        if (consume('.')) {
            integral = false;
            if (!digits()) {
                throw error("expected digits after '.'");
            }
        }
        if (consume('e') || consume('E')) {
            integral = false;
            if (!consume('+')) {
                consume('-');
            }
            if (!digits()) {
                throw error("expected exponent digits");
            }
        }
        String number = text.substring(start, at);
        if (integral) {
            try {
                return Long.parseLong(number);
            } catch (NumberFormatException tooLarge) {
                return Double.parseDouble(number);
            }
        }
        return Double.parseDouble(number);
    }

    private boolean digits() {
        int start = at;
        while (at < text.length() && text.charAt(at) >= '0' && text.charAt(at) <= '9') {
            at++;
        }
        return at > start;
    }

    private Object literal(String word, Object value) {
        if (!text.startsWith(word, at)) {
            throw error("unexpected word");
        }
        at += word.length();
        return value;
    }
}

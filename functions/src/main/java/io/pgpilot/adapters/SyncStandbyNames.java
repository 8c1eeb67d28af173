package io.pgpilot.adapters;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The standby names in a synchronous_standby_names value, in priority order, as PostgreSQL's
 * own grammar reads it (syncrep_gram.y): "", "pg2, pg3", "2 (pg2, pg3)", "FIRST 1 (pg2)",
 * "ANY 1 (\"pg2\", pg3)". Quoted names keep their text with "" for a quote; "*" stays "*"
 * (any standby). The method and the count are not kept: the core compares names.
 */
final class SyncStandbyNames extends TextCursor {

    private SyncStandbyNames(String text) {
        // PostgreSQL's scanner skips these (syncrep_scanner.l).
        super(text, " \t\n\r\f\u000b", "synchronous_standby_names");
    }

    static List<String> parse(String setting) {
        if (setting == null || setting.isBlank()) {
            return List.of();
        }
        SyncStandbyNames parser = new SyncStandbyNames(setting);
        List<String> names = parser.config();
        parser.space();
        if (parser.at != setting.length()) {
            throw parser.error("unexpected text");
        }
        return List.copyOf(names);
    }

    private List<String> config() {
        space();
        int start = at;
        String first = token();
        String word = first.toUpperCase(Locale.ROOT);
        boolean quoted = text.charAt(start) == '"';
        if (!quoted && (word.equals("FIRST") || word.equals("ANY"))) {
            space();
            if (at < text.length() && Character.isDigit(text.charAt(at)) && isDigits(token())) {
                return parenthesised();
            }
            // Otherwise "first" or "any" is a plain standby name.
        }
        if (!quoted && isDigits(first)) {
            space();
            if (peek('(')) {
                return parenthesised();
            }
        }
        at = start;
        return list();
    }

    private List<String> parenthesised() {
        space();
        expect('(');
        List<String> names = list();
        space();
        expect(')');
        return names;
    }

    private List<String> list() {
        List<String> names = new ArrayList<>();
        do {
            space();
            names.add(token());
            space();
        } while (consume(','));
        return names;
    }

    /** A name: quoted, "*", or a run of identifier characters (digits included, as the grammar allows). */
    private String token() {
        if (at >= text.length()) {
            throw error("expected a standby name");
        }
        if (consume('"')) {
            StringBuilder name = new StringBuilder();
            while (true) {
                if (at >= text.length()) {
                    throw error("unterminated quoted name");
                }
                char c = text.charAt(at++);
                if (c == '"') {
                    if (!consume('"')) {
                        return name.toString();
                    }
                }
                name.append(c);
            }
        }
        if (consume('*')) {
            return "*";
        }
        int start = at;
        while (at < text.length() && identifier(text.charAt(at))) {
            at++;
        }
        if (at == start) {
            throw error("expected a standby name");
        }
        return text.substring(start, at);
    }

    private static boolean identifier(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$' || c >= 0x80;
    }

    private static boolean isDigits(String token) {
        return !token.isEmpty() && token.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    @Override
    protected IllegalArgumentException error(String what) {
        return new IllegalArgumentException(super.error(what).getMessage() + " in \"" + text + "\"");
    }
}

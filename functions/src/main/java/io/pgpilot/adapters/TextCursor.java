package io.pgpilot.adapters;


/** A position in a line of text being parsed by hand, with the few moves both of our small parsers make. */
abstract class TextCursor {

    protected final String text;
    protected int at;
    private final String whitespace;
    private final String language;

    /** WHITESPACE: the characters the language skips; LANGUAGE names it in error messages. */
    protected TextCursor(String text, String whitespace, String language) {
        this.text = text;
        this.whitespace = whitespace;
        this.language = language;
    }

    protected void space() {
        while (at < text.length() && whitespace.indexOf(text.charAt(at)) >= 0) {
            at++;
        }
    }

    protected boolean peek(char c) {
        return at < text.length() && text.charAt(at) == c;
    }

    protected boolean consume(char c) {
        if (peek(c)) {
            at++;
            return true;
        }
        return false;
    }

    protected void expect(char c) {
        if (!consume(c)) {
            throw error("expected '" + c + "'");
        }
    }

    protected IllegalArgumentException error(String what) {
        return new IllegalArgumentException("invalid " + language + " at character " + at + ": " + what);
    }
}

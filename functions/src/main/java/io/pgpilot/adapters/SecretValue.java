package io.pgpilot.adapters;


/**
 * A secret read from Secrets Manager. Its text is only in {@link #reveal()}: toString hides it,
 * so a secret that reaches a log line, an exception or a command parameter by mistake shows as
 * a name, never as its value.
 */
public final class SecretValue {

    private final String name;
    private final String value;

    SecretValue(String name, String value) {
        this.name = name;
        this.value = value;
    }

    public String name() {
        return name;
    }

    /** The secret's text, for the one place that needs it (a JDBC connection's password). */
    public String reveal() {
        return value;
    }

    /**
     * One string field of a secret that holds a JSON object, as Secrets Manager's database
     * credentials do ({"username": ..., "password": ...}). The error never shows the secret's text.
     */
    public String field(String key) {
        Object found;
        try {
            found = JsonLine.parseObject(value).get(key);
        } catch (IllegalArgumentException notJson) {
            throw new IllegalStateException("secret " + name + " is not a JSON object; expected {\"" + key
                    + "\": ...}");
        }
        if (!(found instanceof String text) || text.isEmpty()) {
            throw new IllegalStateException("secret " + name + " has no non-empty string field \"" + key + "\"");
        }
        return text;
    }

    @Override
    public String toString() {
        return "SecretValue[" + name + ", value hidden]";
    }
}

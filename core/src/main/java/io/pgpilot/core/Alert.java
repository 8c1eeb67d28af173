package io.pgpilot.core;

/**
 * A condition an operator must hear of even when pgpilot does nothing about it: a failover it
 * refuses for safety, a node it excludes. The same condition keeps the same key from one look at
 * the cluster to the next, so that it can be told once rather than at every monitor tick.
 *
 * @param key     stable while the condition lasts, e.g. "failover-refused:pg1" or "excluded:pg3"
 * @param subject one line
 * @param message what is wrong, why pgpilot does not act, and what an operator can do
 */
public record Alert(String key, String subject, String message) {

    public Alert {
        Checks.notNull(key, "alert key");
        Checks.notNull(subject, "alert subject");
        Checks.notNull(message, "alert message");
    }
}

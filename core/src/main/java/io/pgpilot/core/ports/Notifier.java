package io.pgpilot.core.ports;

/** Tells the people on call: implemented by the adapter SnsNotifier. */
public interface Notifier {

    /** Publishes one notice and returns its message id. */
    String publish(String subject, String message);
}

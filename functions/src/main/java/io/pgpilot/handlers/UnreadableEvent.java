package io.pgpilot.handlers;

/** An event that is not the shape a handler takes: it is ignored with this message as the reason. */
final class UnreadableEvent extends RuntimeException {

    UnreadableEvent(String reason) {
        super(reason, null, false, false);
    }
}

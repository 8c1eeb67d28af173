package io.pgpilot.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import io.pgpilot.core.Checks;
import io.pgpilot.runner.Outcome;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/** Reading EventBridge events as the Lambda runtime hands them over, and finishing a handler's result. */
final class Events {

    private Events() {
    }

    /** The event's id, after checking its source and detail-type; the detail is then {@link #detail}. */
    static String require(ScheduledEvent event, String source, String detailType) {
        if (event == null) {
            throw new UnreadableEvent("empty event: expected an EventBridge event with detail-type " + detailType);
        }
        if (!source.equals(event.getSource()) || !detailType.equals(event.getDetailType())) {
            throw new UnreadableEvent("event from source " + Checks.quote(event.getSource()) + " with detail-type "
                    + Checks.quote(event.getDetailType()) + ": expected source " + source + ", detail-type " + detailType);
        }
        String id = event.getId();
        if (id == null || id.isBlank()) {
            throw new UnreadableEvent(detailType + " without an id: it cannot be told from a redelivery");
        }
        if (event.getDetail() == null) {
            throw new UnreadableEvent(detailType + " " + id + " has no detail");
        }
        return id;
    }

    static String text(Map<String, Object> map, String key, String where) {
        Object value = map.get(key);
        if (!(value instanceof String text) || text.isBlank()) {
            throw new UnreadableEvent(where + " has no " + key
                    + (value == null ? "" : " text (found " + Checks.quote(value) + ")"));
        }
        return text;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Map<String, Object> map, String key, String where) {
        Object value = map.get(key);
        if (!(value instanceof Map<?, ?>)) {
            throw new UnreadableEvent(where + " has no " + key + " object" + (value == null ? "" : " (found "
                    + Checks.quote(value) + ")"));
        }
        return (Map<String, Object>) value;
    }

    /** The lease owner of this invocation: the Lambda request id, or a random one outside Lambda. */
    static String owner(Context context) {
        String id = context == null ? null : context.getAwsRequestId();
        return id == null || id.isBlank() ? "local-" + UUID.randomUUID() : id;
    }

    /** The invocation's time left; a call without a Lambda context (a test, a local run) has Lambda's longest. */
    static Duration remaining(Context context) {
        return context == null ? Duration.ofMinutes(15) : Duration.ofMillis(context.getRemainingTimeInMillis());
    }

    /** The outcome, or a RunFailedException when the run failed. */
    static Outcome finish(Outcome outcome) {
        if (outcome.failed()) {
            throw new RunFailedException(outcome);
        }
        return outcome;
    }
}

package io.pgpilot.handlers;

import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.amazonaws.services.lambda.runtime.serialization.factories.JacksonFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Events read and results written as the Lambda runtime does it (aws-lambda-java-serialization). */
final class LambdaEvents {

    private LambdaEvents() {
    }

    /** The test resource events/NAME: AWS's documented shape of that event. */
    static String resource(String name) {
        try (InputStream in = LambdaEvents.class.getResourceAsStream("/events/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource events/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ScheduledEvent eventBridge(String json) {
        return LambdaEventSerializers.serializerFor(ScheduledEvent.class, LambdaEvents.class.getClassLoader())
                .fromJson(json);
    }

    /** A plain JSON object (the switchover request), read as the runtime reads a Map input. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> map(String json) {
        return LambdaEventSerializers.serializerFor(Map.class, LambdaEvents.class.getClassLoader()).fromJson(json);
    }

    static <T> String json(T value, Class<T> type) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        JacksonFactory.getInstance().getSerializer(type).toJson(value, out);
        return out.toString(StandardCharsets.UTF_8);
    }
}

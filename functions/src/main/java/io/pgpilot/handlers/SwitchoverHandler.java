package io.pgpilot.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.pgpilot.workflow.Automation;
import io.pgpilot.workflow.Outcome;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A planned switchover, invoked by an operator: {"target": "pg2"}. Zero data loss or nothing:
 * it refuses, with the reason, when the target cannot catch up. See {@link io.pgpilot.workflow.Switchover}.
 */
public final class SwitchoverHandler implements RequestHandler<Map<String, Object>, Outcome> {

    private static final Pattern NODE = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?");

    private final Automation automation;

    public SwitchoverHandler() {
        this(Automation.fromEnvironment());
    }

    public SwitchoverHandler(Automation automation) {
        this.automation = automation;
    }

    @Override
    public Outcome handleRequest(Map<String, Object> request, Context context) {
        try {
            return Events.finish(automation.switchover(target(request), Events.owner(context)));
        } catch (UnreadableEvent e) {
            return automation.ignore(e.getMessage());
        }
    }

    static String target(Map<String, Object> request) {
        if (request == null) {
            throw new UnreadableEvent("empty switchover request: expected {\"target\": \"NODE\"}");
        }
        for (String key : request.keySet()) {
            if (!"target".equals(key)) {
                throw new UnreadableEvent("switchover request has an unknown field " + Events.shown(key)
                        + ": expected only {\"target\": \"NODE\"}");
            }
        }
        String target = Events.text(request, "target", "switchover request");
        if (!NODE.matcher(target).matches()) {
            throw new UnreadableEvent("switchover target " + Events.shown(target) + " is not a node name");
        }
        return target;
    }
}

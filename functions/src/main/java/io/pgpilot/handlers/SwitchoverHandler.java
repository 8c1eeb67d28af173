package io.pgpilot.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.pgpilot.core.Checks;
import io.pgpilot.handlers.EventRouter;
import io.pgpilot.runner.Outcome;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * An operator's request. {"target": "pg2"}: a planned switchover, zero data loss or nothing: it
 * refuses, with the reason, when the target cannot catch up (see io.pgpilot.core.SwitchoverPlanner).
 * {"failover": "force"}: the failover workflow with force, for when pgpilot refused to replace a
 * failed primary because no standby is known to hold every acknowledged commit or the best one is
 * beyond the RPO guard; the failure must still be confirmed, and the result says what may be lost.
 */
public final class SwitchoverHandler implements RequestHandler<Map<String, Object>, Outcome> {

    private static final Pattern NODE = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?");
    private static final String EXPECTED = "expected {\"target\": \"NODE\"} or {\"failover\": \"force\"}";

    private final EventRouter router;

    public SwitchoverHandler() {
        this(EventRouter.fromEnvironment());
    }

    public SwitchoverHandler(EventRouter router) {
        this.router = router;
    }

    @Override
    public Outcome handleRequest(Map<String, Object> request, Context context) {
        try {
            if (forcedFailover(request)) {
                return Events.finish(router.forcedFailover(Events.owner(context)));
            }
            return Events.finish(router.switchover(target(request), Events.owner(context)));
        } catch (UnreadableEvent e) {
            return router.ignore(e.getMessage());
        }
    }

    /** Whether the request is {"failover": "force"}; any other use of "failover" is refused. */
    static boolean forcedFailover(Map<String, Object> request) {
        if (request == null || !request.containsKey("failover")) {
            return false;
        }
        if (request.size() != 1 || !"force".equals(request.get("failover"))) {
            throw new UnreadableEvent("failover request " + Checks.quote(String.valueOf(request)) + ": " + EXPECTED
                    + "; a failover is only ever requested forced, pgpilot starts the others itself");
        }
        return true;
    }

    static String target(Map<String, Object> request) {
        if (request == null) {
            throw new UnreadableEvent("empty request: " + EXPECTED);
        }
        for (String key : request.keySet()) {
            if (!"target".equals(key)) {
                throw new UnreadableEvent("switchover request has an unknown field " + Checks.quote(key) + ": "
                        + EXPECTED);
            }
        }
        String target = Events.text(request, "target", "switchover request");
        if (!NODE.matcher(target).matches()) {
            throw new UnreadableEvent("switchover target " + Checks.quote(target) + " is not a node name");
        }
        return target;
    }
}

package io.pgpilot.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.pgpilot.core.Checks;
import io.pgpilot.core.Request;
import io.pgpilot.runner.Outcome;
import java.util.Map;

/**
 * A base backup, as the stack's schedule (EventBridge, a constant input) or an operator asks:
 * {"type": "full"}, "diff" or "incr". pgpilot chooses the node (a streaming standby, see
 * io.pgpilot.core.BackupPlanner), starts pgpilot-Backup there and returns; the backup's end is
 * its SSM command's.
 */
public final class BackupHandler implements RequestHandler<Map<String, Object>, Outcome> {

    private static final String EXPECTED = "expected {\"type\": \"full\"}, \"diff\" or \"incr\"";

    private final EventRouter router;

    public BackupHandler() {
        this(EventRouter.fromEnvironment());
    }

    public BackupHandler(EventRouter router) {
        this.router = router;
    }

    @Override
    public Outcome handleRequest(Map<String, Object> request, Context context) {
        try {
            return Events.finish(router.backup(type(request), Events.owner(context)));
        } catch (UnreadableEvent e) {
            return router.ignore(e.getMessage());
        }
    }

    static String type(Map<String, Object> request) {
        if (request == null) {
            throw new UnreadableEvent("empty backup request: " + EXPECTED);
        }
        for (String key : request.keySet()) {
            if (!"type".equals(key)) {
                throw new UnreadableEvent("backup request has an unknown field " + Checks.quote(key) + ": " + EXPECTED);
            }
        }
        String type = Events.text(request, "type", "backup request");
        if (!Request.Backup.TYPES.contains(type)) {
            throw new UnreadableEvent("backup type " + Checks.quote(type) + ": " + EXPECTED);
        }
        return type;
    }
}

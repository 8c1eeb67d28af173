package io.pgpilot.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import io.pgpilot.handlers.EventRouter;
import io.pgpilot.runner.Outcome;
import java.util.Map;

/**
 * EventBridge "CloudWatch Alarm State Change" (source aws.cloudwatch): detail.alarmName and
 * detail.state.value. ALARM of an alarm named pgpilot-CLUSTER-... runs the failover workflow,
 * which confirms by probing before it acts; other clusters' alarms and other states are ignored.
 * With PGPILOT_ENGINE=aurora the same alarm runs the Aurora workflow (FailoverDBCluster to the best
 * reader once the writer's failure is confirmed); the alarm itself never confirms.
 */
public final class AlarmHandler implements RequestHandler<ScheduledEvent, Outcome> {

    static final String SOURCE = "aws.cloudwatch";
    static final String DETAIL_TYPE = "CloudWatch Alarm State Change";

    private final EventRouter router;

    public AlarmHandler() {
        this(EventRouter.fromEnvironment());
    }

    public AlarmHandler(EventRouter router) {
        this.router = router;
    }

    @Override
    public Outcome handleRequest(ScheduledEvent event, Context context) {
        try {
            String id = Events.require(event, SOURCE, DETAIL_TYPE);
            String where = DETAIL_TYPE + " " + id;
            Map<String, Object> detail = event.getDetail();
            String alarm = Events.text(detail, "alarmName", where);
            String state = Events.text(Events.object(detail, "state", where), "value", where + " state");
            return Events.finish(router.onAlarm(id, alarm, state, Events.owner(context)));
        } catch (UnreadableEvent e) {
            return router.ignore(e.getMessage());
        }
    }
}

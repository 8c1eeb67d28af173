package io.pgpilot.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import io.pgpilot.core.Checks;
import io.pgpilot.core.Ec2State;
import io.pgpilot.handlers.EventRouter;
import io.pgpilot.runner.Outcome;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * EventBridge "EC2 Instance State-change Notification" (source aws.ec2): detail.instance-id and
 * detail.state. Running publishes the hosts map; stopping, stopped, shutting-down and terminated
 * of a database node run the failover workflow; see {@link EventRouter#onInstanceState}. With
 * PGPILOT_ENGINE=aurora every such event is ignored with the reason: Aurora's instances are not EC2's.
 */
public final class InstanceStateHandler implements RequestHandler<ScheduledEvent, Outcome> {

    static final String SOURCE = "aws.ec2";
    static final String DETAIL_TYPE = "EC2 Instance State-change Notification";
    private static final Pattern INSTANCE_ID = Pattern.compile("i-[0-9a-f]{8}([0-9a-f]{9})?");

    private final EventRouter router;

    public InstanceStateHandler() {
        this(EventRouter.fromEnvironment());
    }

    public InstanceStateHandler(EventRouter router) {
        this.router = router;
    }

    @Override
    public Outcome handleRequest(ScheduledEvent event, Context context) {
        try {
            Change change = Change.of(event);
            return Events.finish(router.onInstanceState(change.eventId, change.instanceId, change.state,
                    Events.owner(context)));
        } catch (UnreadableEvent e) {
            return router.ignore(e.getMessage());
        }
    }

    /** The event's fields that matter. */
    record Change(String eventId, String instanceId, Ec2State state) {

        static Change of(ScheduledEvent event) {
            String id = Events.require(event, SOURCE, DETAIL_TYPE);
            Map<String, Object> detail = event.getDetail();
            String where = DETAIL_TYPE + " " + id;
            String instanceId = Events.text(detail, "instance-id", where);
            if (!INSTANCE_ID.matcher(instanceId).matches()) {
                throw new UnreadableEvent(where + ": instance-id " + Checks.quote(instanceId)
                        + " is not an EC2 instance id");
            }
            String state = Events.text(detail, "state", where);
            try {
                return new Change(id, instanceId, Ec2State.fromAws(state));
            } catch (IllegalArgumentException e) {
                throw new UnreadableEvent(where + ": unknown state " + Checks.quote(state));
            }
        }
    }
}

package io.pgpilot.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import io.pgpilot.core.PgpoolReport;
import io.pgpilot.runner.Outcome;

/**
 * A pgpool-II host's report that it detached a backend: the custom EventBridge event (source
 * pgpilot.pgpool, detail-type "pgpool backend down") its failover_command publishes; detail
 * cluster, node, address, pgpool and reason. pgpool is a sensor here, never a decider: the report
 * runs the same confirmation and plan as the monitor, and when pgpilot finds no failure the node is
 * re-attached in every pgpool; see {@link EventRouter#onPgpoolReport}. A malformed report, another
 * cluster's, or one about a node or from a host that is not this cluster's is ignored with the reason.
 */
public final class PgpoolSensorHandler implements RequestHandler<ScheduledEvent, Outcome> {

    private final EventRouter router;

    public PgpoolSensorHandler() {
        this(EventRouter.fromEnvironment());
    }

    public PgpoolSensorHandler(EventRouter router) {
        this.router = router;
    }

    @Override
    public Outcome handleRequest(ScheduledEvent event, Context context) {
        try {
            String id = Events.require(event, PgpoolReport.SOURCE, PgpoolReport.DETAIL_TYPE);
            return Events.finish(router.onPgpoolReport(id, event.getDetail(), Events.owner(context)));
        } catch (UnreadableEvent e) {
            return router.ignore(e.getMessage());
        }
    }
}

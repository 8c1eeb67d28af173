package io.pgpilot.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import io.pgpilot.handlers.EventRouter;
import io.pgpilot.runner.Outcome;

/**
 * The schedule (every minute): probes every node several times, publishes the metrics, and runs
 * the failover workflow itself on a confirmed failure; see {@link EventRouter#monitor}. It keeps
 * looking for PGPILOT_SENTINEL_SECONDS, within the invocation's time ({@link EventRouter#watch}).
 * Whatever the event holds, it is only the tick. With PGPILOT_ENGINE=aurora it describes the DB cluster and
 * probes its endpoint instead, and fails over with FailoverDBCluster on a confirmed failure.
 */
public final class MonitorHandler implements RequestHandler<ScheduledEvent, Outcome> {

    private final EventRouter router;

    public MonitorHandler() {
        this(EventRouter.fromEnvironment());
    }

    public MonitorHandler(EventRouter router) {
        this.router = router;
    }

    @Override
    public Outcome handleRequest(ScheduledEvent event, Context context) {
        return Events.finish(router.watch(Events.owner(context), () -> Events.remaining(context)));
    }
}

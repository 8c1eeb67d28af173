package io.pgpilot.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import io.pgpilot.workflow.Automation;
import io.pgpilot.workflow.Outcome;

/**
 * The schedule (every minute): probes every node several times, publishes the metrics, and runs
 * the failover workflow itself on a confirmed failure; see {@link Automation#monitor}. Whatever
 * the event holds, it is only the tick. With PGPILOT_ENGINE=aurora it describes the DB cluster and
 * probes its endpoint instead, and fails over with FailoverDBCluster on a confirmed failure.
 */
public final class MonitorHandler implements RequestHandler<ScheduledEvent, Outcome> {

    private final Automation automation;

    public MonitorHandler() {
        this(Automation.fromEnvironment());
    }

    public MonitorHandler(Automation automation) {
        this.automation = automation;
    }

    @Override
    public Outcome handleRequest(ScheduledEvent event, Context context) {
        return Events.finish(automation.monitor(Events.owner(context)));
    }
}

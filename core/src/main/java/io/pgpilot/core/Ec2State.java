package io.pgpilot.core;

import java.util.Locale;

/** An EC2 instance state, as DescribeInstances and the state-change event name it. */
public enum Ec2State {
    PENDING,
    RUNNING,
    STOPPING,
    STOPPED,
    SHUTTING_DOWN,
    TERMINATED,
    /** Not reported (no event, or the describe call failed): treated as possibly running. */
    UNKNOWN;

    /** "shutting-down" and friends, as AWS writes them. */
    public static Ec2State fromAws(String state) {
        Checks.notNull(state, "EC2 state");
        for (Ec2State candidate : values()) {
            if (candidate != UNKNOWN && candidate.awsName().equals(state)) {
                return candidate;
            }
        }
        throw new IllegalArgumentException("unknown EC2 instance state " + Checks.quote(state)
                + ": expected pending, running, stopping, stopped, shutting-down or terminated");
    }

    public String awsName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The instance is going away or gone: for a primary this alone confirms the failure. */
    public boolean isGoingDown() {
        return this == STOPPING || this == STOPPED || this == SHUTTING_DOWN || this == TERMINATED;
    }

    /** The instance can no longer run PostgreSQL: nothing left to fence. */
    public boolean isStopped() {
        return this == STOPPED || this == TERMINATED;
    }
}

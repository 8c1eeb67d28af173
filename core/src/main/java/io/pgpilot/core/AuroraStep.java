package io.pgpilot.core;

/**
 * One action of an {@link AuroraPlan}. Not a {@link Step}: those act on EC2 hosts through SSM
 * and are executed against the cluster's EC2 inventory, which an Aurora cluster does not have;
 * Aurora needs no fence, re-point, hosts map or retag, because its storage is one volume and its
 * endpoints follow the writer.
 */
public sealed interface AuroraStep {

    /**
     * FailoverDBCluster with {@code target} as the new writer, then wait until RDS reports it the
     * writer. Idempotent: when {@code target} already is the writer nothing is called.
     *
     * @param from the writer it replaces, for the record
     */
    record FailoverDbCluster(String clusterId, String from, String target) implements AuroraStep {

        public FailoverDbCluster {
            Checks.notNull(clusterId, "DB cluster identifier");
            Checks.notNull(from, "writer to fail over from");
            Checks.notNull(target, "reader to fail over to");
            if (from.equals(target)) {
                throw new IllegalArgumentException("cannot fail over from " + from + " to itself");
            }
        }
    }

    /** Publish to the cluster's SNS topic. */
    record Notify(String subject, String message) implements AuroraStep {

        public Notify {
            Checks.notNull(subject, "subject");
            Checks.notNull(message, "message");
        }
    }
}

package io.pgpilot.core.ports;

import io.pgpilot.core.Checks;
import java.util.List;
import java.util.Optional;

/** An Aurora DB cluster as RDS describes it: its endpoints and every member with its status and zone. */
public record DbCluster(String id, String status, String endpoint, String readerEndpoint, List<Member> members) {

    /** An instance that DescribeDBInstances did not list (created or deleted between the two calls). */
    public static final String UNKNOWN_STATUS = "unknown";

    /**
     * One DB instance of the cluster; a lower promotion tier is Aurora's own preference.
     *
     * @param status           DBInstanceStatus: available, failed, rebooting...; {@link #UNKNOWN_STATUS} when not listed
     * @param availabilityZone null when unknown
     */
    public record Member(String instanceId, boolean writer, int promotionTier, String status,
                         String availabilityZone) {

        public Member {
            Checks.requireText(instanceId, "DB instance identifier of a cluster member");
            status = status == null || status.isBlank() ? UNKNOWN_STATUS : status;
        }
    }

    public DbCluster {
        members = List.copyOf(members);
    }

    public Optional<Member> writer() {
        return members.stream().filter(Member::writer).findFirst();
    }

    public List<Member> readers() {
        return members.stream().filter(m -> !m.writer()).toList();
    }
}

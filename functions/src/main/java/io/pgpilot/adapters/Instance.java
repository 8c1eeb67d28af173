package io.pgpilot.adapters;

import io.pgpilot.core.Ec2State;
import io.pgpilot.core.Role;
import java.util.Optional;

/**
 * One EC2 instance of a cluster, as its pgpilot tags and EC2 describe it.
 *
 * @param name       the pgpilot:name tag: the host name in every managed /etc/hosts
 * @param privateIp  null once the instance is terminated (EC2 then reports no address)
 * @param roleTag    the pgpilot:role tag as written, null when absent; database nodes carry
 *                   primary, standby or rebuild, other hosts anything else (the lab: pgpool, app)
 */
public record Instance(String name, String instanceId, String privateIp, Ec2State state, String roleTag) {

    public Instance {
        AwsClients.requireText(name, "pgpilot:name of an instance");
        AwsClients.requireText(instanceId, "instance id of " + name);
        if (state == null) {
            throw new IllegalArgumentException("EC2 state of " + name + " is missing (null)");
        }
    }

    /** The database role, or empty for a host that is not a PostgreSQL node (pgpool, application). */
    public Optional<Role> role() {
        for (Role role : Role.values()) {
            if (role.tag().equals(roleTag)) {
                return Optional.of(role);
            }
        }
        return Optional.empty();
    }
}

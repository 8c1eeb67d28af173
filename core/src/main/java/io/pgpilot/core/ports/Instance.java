package io.pgpilot.core.ports;

import io.pgpilot.core.Checks;
import io.pgpilot.core.Ec2State;
import io.pgpilot.core.Role;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One EC2 instance of a cluster, as its pgpilot tags and EC2 describe it.
 *
 * @param name       the pgpilot:name tag: the host name in every managed /etc/hosts
 * @param privateIp  null once the instance is terminated (EC2 then reports no address)
 * @param roleTag    the pgpilot:role tag as written, null when absent; database nodes carry
 *                   primary, standby or rebuild, other hosts anything else (the lab: pgpool, app)
 * @param tags       every tag of the instance, as EC2 lists them (pgpilot:pgcluster,
 *                   pgpilot:upstream, pgpilot:sync among them)
 * @param launchTime when EC2 launched it; null when not known. Of two instances that carry one
 *                   name, the one launched first is the member, the other a mistake.
 */
public record Instance(String name, String instanceId, String privateIp, Ec2State state, String roleTag,
                       Map<String, String> tags, Instant launchTime) {

    public Instance {
        Checks.requireText(name, "pgpilot:name of an instance");
        Checks.requireText(instanceId, "instance id of " + name);
        if (state == null) {
            throw new IllegalArgumentException("EC2 state of " + name + " is missing (null)");
        }
        tags = tags == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(tags));
    }

    /** An instance whose launch time is not known. */
    public Instance(String name, String instanceId, String privateIp, Ec2State state, String roleTag,
                    Map<String, String> tags) {
        this(name, instanceId, privateIp, state, roleTag, tags, null);
    }

    /** An instance whose other tags do not matter to the caller. */
    public Instance(String name, String instanceId, String privateIp, Ec2State state, String roleTag) {
        this(name, instanceId, privateIp, state, roleTag, Map.of(), null);
    }

    /** This instance in {@code changed} state, or with {@code role} written in its tags. */
    public Instance with(Ec2State changed, String role) {
        Map<String, String> retagged = new LinkedHashMap<>(tags);
        if (role != null) {
            retagged.put(Instances.ROLE_TAG, role);
        }
        return new Instance(name, instanceId, privateIp, changed, role == null ? roleTag : role, retagged,
                launchTime);
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

    /** The tag's value, or empty when the instance does not carry it or it is blank. */
    public Optional<String> tag(String key) {
        String value = tags.get(key);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
    }
}

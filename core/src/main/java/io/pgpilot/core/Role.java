package io.pgpilot.core;

import java.util.Locale;

/** A database node's role as the pgpilot:role tag records it. */
public enum Role {
    PRIMARY,
    STANDBY,
    /**
     * Out of service: a fenced old primary or a lost standby. It must be rebuilt as a standby
     * before it rejoins, and pgpilot never promotes it or keeps it as a primary.
     */
    REBUILD;

    /** The tag value: "primary", "standby", "rebuild". */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Role fromTag(String tag) {
        Checks.notNull(tag, "pgpilot:role tag");
        for (Role role : values()) {
            if (role.tag().equals(tag)) {
                return role;
            }
        }
        throw new IllegalArgumentException("unknown pgpilot:role " + Checks.quote(tag)
                + ": expected primary, standby or rebuild");
    }
}

package io.pgpilot.core;

import java.util.regex.Pattern;

/**
 * Validation of what pgpilot writes into every host's /etc/hosts and into SSM command
 * parameters: RFC 1123 host names and literal IPv4/IPv6 addresses. Anything else (spaces,
 * newlines, shell or comment characters) is rejected before it can reach a host.
 */
public final class HostNames {

    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    private static final Pattern IPV4 = Pattern.compile("(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2})){3}");
    private static final Pattern HEX_GROUP = Pattern.compile("[0-9A-Fa-f]{1,4}");

    private HostNames() {
    }

    /** Returns the name when it is an RFC 1123 host name; {@code what} names it in the error. */
    public static String requireHostName(String name, String what) {
        Checks.notNull(name, what);
        if (!isHostName(name)) {
            throw new IllegalArgumentException(what + " " + Checks.quote(name) + " is not a valid host name:"
                    + " RFC 1123 allows letters, digits and inner hyphens in dot-separated labels"
                    + " of 1 to 63 characters, 253 characters in all");
        }
        return name;
    }

    /** Returns the address when it is a literal IPv4 or IPv6 address (no zone index, no leading zeros in IPv4). */
    public static String requireAddress(String address, String what) {
        Checks.notNull(address, what);
        if (!isIpv4(address) && !isIpv6(address)) {
            throw new IllegalArgumentException(what + " " + Checks.quote(address)
                    + " is not a literal IPv4 address (e.g. 10.0.1.11) or IPv6 address (e.g. fd00::11)");
        }
        return address;
    }

    /** Returns {@code value} when it is a host name or a literal IP address, as an endpoint's host is. */
    public static String requireHostOrAddress(String value, String what) {
        Checks.notNull(value, what);
        if (!isHostName(value) && !isIpv4(value) && !isIpv6(value)) {
            throw new IllegalArgumentException(what + " " + Checks.quote(value) + " is neither an RFC 1123 host name"
                    + " nor a literal IPv4 or IPv6 address");
        }
        return value;
    }

    static boolean isHostName(String name) {
        if (name.isEmpty() || name.length() > 253) {
            return false;
        }
        for (String label : name.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }

    static boolean isIpv4(String address) {
        if (!IPV4.matcher(address).matches()) {
            return false;
        }
        for (String octet : address.split("\\.")) {
            if (Integer.parseInt(octet) > 255) {
                return false;
            }
        }
        return true;
    }

    static boolean isIpv6(String address) {
        String hex = address;
        int embeddedIpv4Groups = 0;
        if (address.indexOf('.') >= 0) {
            // An IPv4 tail ("::ffff:10.0.0.1") counts as two groups; a placeholder group stands in for it.
            int lastColon = address.lastIndexOf(':');
            if (lastColon < 0 || !isIpv4(address.substring(lastColon + 1))) {
                return false;
            }
            hex = address.substring(0, lastColon + 1) + "0";
            embeddedIpv4Groups = 1;
        }
        int gap = hex.indexOf("::");
        if (gap != hex.lastIndexOf("::")) {
            return false;
        }
        if (gap < 0) {
            return groups(hex) + embeddedIpv4Groups == 8;
        }
        int left = groups(hex.substring(0, gap));
        int right = groups(hex.substring(gap + 2));
        return left >= 0 && right >= 0 && left + right + embeddedIpv4Groups <= 7;
    }

    /** The number of colon-separated hex groups, or -1 when one is malformed. */
    private static int groups(String part) {
        if (part.isEmpty()) {
            return 0;
        }
        String[] groups = part.split(":", -1);
        for (String group : groups) {
            if (!HEX_GROUP.matcher(group).matches()) {
                return -1;
            }
        }
        return groups.length;
    }
}

package io.pgpilot.adapters;

import io.pgpilot.core.HostNames;
import io.pgpilot.core.ports.DnsRecords;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.model.ChangeAction;
import software.amazon.awssdk.services.route53.model.RRType;
import software.amazon.awssdk.services.route53.model.ResourceRecordSet;

/** The primary's name in a Route 53 private hosted zone, for clients that resolve it rather than read /etc/hosts. */
public final class Route53DnsRecords implements DnsRecords {

    /** Short, so that resolvers follow a failover within seconds. */
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(10);

    private final Route53Client route53;
    private final String hostedZoneId;

    public Route53DnsRecords(String hostedZoneId) {
        this(AwsClients.fromEnvironment(Route53Client.builder()), hostedZoneId);
    }

    public Route53DnsRecords(Route53Client route53, String hostedZoneId) {
        this.route53 = route53;
        this.hostedZoneId = AwsClients.requireText(hostedZoneId, "hosted zone id");
    }

    /** UPSERTs {@code name} to {@code address}: an A record, or AAAA for an IPv6 address. Repeating it changes nothing. */
    @Override
    public void upsert(String name, String address, Duration ttl) {
        String fqdn = fqdn(name);
        HostNames.requireAddress(address, "address of " + name);
        if (ttl == null || ttl.getSeconds() < 1) {
            throw new IllegalArgumentException("TTL of " + name + " must be at least 1 s, was " + ttl);
        }
        RRType type = address.indexOf(':') >= 0 ? RRType.AAAA : RRType.A;
        route53.changeResourceRecordSets(r -> r.hostedZoneId(hostedZoneId)
                .changeBatch(b -> b.comment("pgpilot: " + name + " -> " + address)
                        .changes(c -> c.action(ChangeAction.UPSERT)
                                .resourceRecordSet(s -> s.name(fqdn).type(type).ttl(ttl.getSeconds())
                                        .resourceRecords(v -> v.value(address))))));
    }

    /** The address {@code name}'s A (else AAAA) record holds, if it has one. */
    @Override
    public Optional<String> address(String name) {
        String fqdn = fqdn(name);
        for (RRType type : new RRType[] {RRType.A, RRType.AAAA}) {
            // Record sets are listed in order from the name and type given: the first is ours if it exists.
            Optional<ResourceRecordSet> found = route53.listResourceRecordSets(r -> r.hostedZoneId(hostedZoneId)
                            .startRecordName(fqdn).startRecordType(type).maxItems("1"))
                    .resourceRecordSets().stream()
                    .filter(set -> fqdn.equals(set.name().toLowerCase(Locale.ROOT)) && set.type() == type)
                    .findFirst();
            if (found.isPresent() && !found.get().resourceRecords().isEmpty()) {
                return Optional.of(found.get().resourceRecords().get(0).value());
            }
        }
        return Optional.empty();
    }

    private static String fqdn(String name) {
        AwsClients.requireText(name, "record name");
        String bare = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        return HostNames.requireHostName(bare, "record name").toLowerCase(Locale.ROOT) + ".";
    }
}

package io.pgpilot.core.ports;

import java.time.Duration;
import java.util.Optional;

/** The primary's private DNS record: implemented by the adapter Route53DnsRecords. */
public interface DnsRecords {

    void upsert(String name, String address, Duration ttl);

    Optional<String> address(String name);
}

package io.pgpilot.adapters;

import java.time.Duration;
import java.util.Optional;

/** The primary's private DNS record: the workflow's view of {@link DnsRecords}. */
public interface DnsUpdater {

    void upsert(String name, String address, Duration ttl);

    Optional<String> address(String name);
}

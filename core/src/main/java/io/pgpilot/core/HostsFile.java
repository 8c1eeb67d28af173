package io.pgpilot.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * An /etc/hosts file with a block that pgpilot manages, between {@link #BEGIN} and {@link #END},
 * one "ADDRESS&lt;TAB&gt;NAME [ALIASES]" line per address. Every line outside the block stays as it
 * was (a trailing carriage return included); a file without the block gets it appended at the end.
 *
 * @param before  the lines above the block (all of them when there is no block)
 * @param managed the block's entries; empty when there is no block, which then is not rendered
 * @param after   the lines below the block
 */
public record HostsFile(List<String> before, List<Entry> managed, List<String> after) {

    public static final String BEGIN = "# BEGIN pgpilot managed hosts";
    public static final String END = "# END pgpilot managed hosts";

    /** One line of the block: an address and its names, the first canonical, the others aliases. */
    public record Entry(String address, List<String> names) {

        public Entry {
            HostNames.requireAddress(address, "hosts entry address");
            names = Checks.list(names, "names of " + address);
            if (names.isEmpty()) {
                throw new IllegalArgumentException("hosts entry " + address + " has no name");
            }
            names.forEach(name -> HostNames.requireHostName(name, "host name for " + address));
        }

        String line() {
            return address + "\t" + String.join(" ", names);
        }
    }

    public HostsFile {
        before = Checks.list(before, "lines before the managed block");
        managed = Checks.list(managed, "managed entries");
        after = Checks.list(after, "lines after the managed block");
        if (managed.isEmpty() && !after.isEmpty()) {
            throw new IllegalArgumentException("lines after a managed block need a managed block");
        }
        Set<String> names = new HashSet<>();
        for (Entry entry : managed) {
            for (String name : entry.names()) {
                if (!names.add(name.toLowerCase(Locale.ROOT))) {
                    throw new IllegalArgumentException("host name " + name + " appears twice in the managed block");
                }
            }
        }
    }

    public static HostsFile parse(String text) {
        Checks.notNull(text, "hosts file text");
        List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
        if (lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        int begin = markerLine(lines, BEGIN);
        int end = markerLine(lines, END);
        if (begin < 0 && end < 0) {
            return new HostsFile(lines, List.of(), List.of());
        }
        if (end < 0) {
            throw new IllegalArgumentException("the hosts file has \"" + BEGIN + "\" without a \"" + END
                    + "\" below it");
        }
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("the hosts file has \"" + END + "\" without a \"" + BEGIN
                    + "\" above it");
        }
        List<Entry> entries = new ArrayList<>();
        for (String line : lines.subList(begin + 1, end)) {
            String content = line.strip();
            if (content.isEmpty()) {
                continue;
            }
            String[] fields = content.split("[ \t]+");
            if (fields.length < 2) {
                throw new IllegalArgumentException("managed hosts line " + Checks.quote(line)
                        + " needs an address and a name");
            }
            entries.add(new Entry(fields[0], List.of(fields).subList(1, fields.length)));
        }
        // A block with no entries publishes nothing; parsing it as "no block" keeps the lines around it.
        List<String> outside = new ArrayList<>(lines.subList(0, begin));
        if (entries.isEmpty()) {
            outside.addAll(lines.subList(end + 1, lines.size()));
            return new HostsFile(outside, List.of(), List.of());
        }
        return new HostsFile(outside, entries, lines.subList(end + 1, lines.size()));
    }

    /** This file with the block publishing {@code hosts}; equal to this file when nothing changes. */
    public HostsFile withHosts(Map<String, String> hosts) {
        return new HostsFile(before, entriesOf(hosts), after);
    }

    /**
     * The block's entries for {@code hosts} (name to address, in order): names sharing an address
     * go on one line, the first canonical, as in "10.0.1.12&lt;TAB&gt;pg2 pg-primary".
     */
    public static List<Entry> entriesOf(Map<String, String> hosts) {
        Checks.orderedMap(hosts, "hosts");
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException(
                    "refusing to publish an empty hosts map: it would remove every managed entry");
        }
        Map<String, List<String>> byAddress = new LinkedHashMap<>();
        hosts.forEach((name, address) -> byAddress.computeIfAbsent(address, a -> new ArrayList<>()).add(name));
        List<Entry> entries = new ArrayList<>();
        byAddress.forEach((address, names) -> entries.add(new Entry(address, names)));
        return entries;
    }

    /** pgpilot-UpdateHosts' entries parameter for {@code hosts}: "ADDRESS NAME [ALIAS...]" items, comma-separated. */
    public static String entriesParameter(Map<String, String> hosts) {
        return entriesOf(hosts).stream().map(e -> e.address() + " " + String.join(" ", e.names()))
                .collect(Collectors.joining(","));
    }

    /** Whether the block already publishes exactly {@code hosts}, so rewriting the file would change nothing. */
    public boolean publishes(Map<String, String> hosts) {
        return withHosts(hosts).equals(this);
    }

    /** The managed names and their addresses, aliases included. */
    public Map<String, String> hosts() {
        Map<String, String> hosts = new LinkedHashMap<>();
        managed.forEach(entry -> entry.names().forEach(name -> hosts.put(name, entry.address())));
        return hosts;
    }

    /** The block alone, markers included: what an SSM command writes into each host's file. */
    public String managedBlock() {
        StringBuilder block = new StringBuilder(BEGIN).append('\n');
        managed.forEach(entry -> block.append(entry.line()).append('\n'));
        return block.append(END).append('\n').toString();
    }

    public String render() {
        StringBuilder text = new StringBuilder();
        before.forEach(line -> text.append(line).append('\n'));
        if (!managed.isEmpty()) {
            text.append(managedBlock());
        }
        after.forEach(line -> text.append(line).append('\n'));
        return text.toString();
    }

    private static int markerLine(List<String> lines, String marker) {
        int found = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().equals(marker)) {
                if (found >= 0) {
                    throw new IllegalArgumentException("the hosts file has \"" + marker
                            + "\" twice; expected one managed block");
                }
                found = i;
            }
        }
        return found;
    }
}

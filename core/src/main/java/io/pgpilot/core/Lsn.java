package io.pgpilot.core;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PostgreSQL write-ahead log position, as pg_current_wal_lsn() and friends print it: two
 * hexadecimal 32-bit halves separated by a slash ("16/B374D848"). PostgreSQL 18 pads the low
 * half to eight digits; both forms parse. Positions compare as unsigned 64-bit numbers.
 */
public record Lsn(long value) implements Comparable<Lsn> {

    public static final Lsn ZERO = new Lsn(0);

    private static final Pattern TEXT = Pattern.compile("([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})");

    public static Lsn parse(String text) {
        Checks.notNull(text, "LSN");
        Matcher m = TEXT.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("invalid LSN " + Checks.quote(text)
                    + ": expected two hexadecimal numbers of up to 8 digits separated by '/', e.g. 16/B374D848");
        }
        return new Lsn(Long.parseLong(m.group(1), 16) << 32 | Long.parseLong(m.group(2), 16));
    }

    /**
     * Bytes of WAL from {@code other} to this position, negative when this one is earlier, as
     * pg_wal_lsn_diff() counts them. Exact while the two are less than 2^63 bytes apart.
     */
    public long bytesAfter(Lsn other) {
        Checks.notNull(other, "other LSN");
        return value - other.value;
    }

    public boolean isAfter(Lsn other) {
        return compareTo(other) > 0;
    }

    @Override
    public int compareTo(Lsn other) {
        return Long.compareUnsigned(value, other.value);
    }

    @Override
    public String toString() {
        return String.format("%X/%X", value >>> 32, value & 0xFFFFFFFFL);
    }
}

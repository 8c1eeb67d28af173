package io.pgpilot.core;

import static io.pgpilot.core.PlannerInputTest.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class LsnTest {

    @Test
    void givenPostgresText_whenParsed_thenItPrintsTheSame() {
        for (String text : List.of("0/0", "16/B374D848", "0/3000060", "FFFFFFFF/FFFFFFFF")) {
            assertEquals(text, Lsn.parse(text).toString());
        }
    }

    @Test
    void givenPostgres18ZeroPaddedText_whenParsed_thenEqualToTheShortForm() {
        assertEquals(Lsn.parse("0/3000060"), Lsn.parse("0/03000060"));
        assertEquals(Lsn.parse("16/b374d848"), Lsn.parse("16/B374D848"));
    }

    @Test
    void givenTwoPositions_whenSubtracted_thenBytesAsPgWalLsnDiffCountsThem() {
        assertEquals(0x16L << 32 | 0xB374D848L, Lsn.parse("16/B374D848").value());
        assertEquals(512, Lsn.parse("0/3000260").bytesAfter(Lsn.parse("0/3000060")));
        assertEquals(-512, Lsn.parse("0/3000060").bytesAfter(Lsn.parse("0/3000260")));
        assertEquals(1, Lsn.parse("1/0").bytesAfter(Lsn.parse("0/FFFFFFFF")));
    }

    @Test
    void givenPositionsAcrossTheSignBit_whenCompared_thenUnsignedOrder() {
        Lsn low = Lsn.parse("7FFFFFFF/FFFFFFFF");
        Lsn high = Lsn.parse("80000000/0");

        assertTrue(high.isAfter(low));
        assertEquals(List.of(Lsn.ZERO, low, high), Stream.of(high, Lsn.ZERO, low).sorted().toList());
        assertEquals(1, high.bytesAfter(low));
    }

    @Test
    void givenMalformedText_whenParsed_thenRejectedWithTheExpectedForm() {
        for (String text : List.of("", "16", "16/", "/1", "16/B374D848/1", "123456789/0", "0/123456789", "G/0", " 0/0",
                "-1/0", "0x16/0")) {
            assertRejected("expected two hexadecimal numbers", () -> Lsn.parse(text));
        }
        assertRejected("LSN is missing (null)", () -> Lsn.parse(null));
    }
}

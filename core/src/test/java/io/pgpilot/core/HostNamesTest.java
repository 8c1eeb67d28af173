package io.pgpilot.core;

import static io.pgpilot.core.PlannerInputTest.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class HostNamesTest {

    @Test
    void givenRfc1123Names_whenChecked_thenAccepted() {
        for (String name : List.of("pg1", "pg-primary", "PG1", "1pg", "a", "db.internal", "pg-primary.lab.internal",
                "a".repeat(63), ("a".repeat(63) + ".").repeat(3) + "a".repeat(61))) {
            assertEquals(name, HostNames.requireHostName(name, "name"));
        }
    }

    @Test
    void givenHostileOrInvalidNames_whenChecked_thenRejected() {
        for (String name : List.of("", "pg 1", "pg1\n10.0.0.1 evil", "pg1\tx", "-pg", "pg-", "pg_1", "pg1.", ".pg1",
                "pg1..lab", "#pg1", "pg1;reboot", "$(id)", "a".repeat(64), ("a".repeat(63) + ".").repeat(4), "pg1é")) {
            assertRejected("is not a valid host name", () -> HostNames.requireHostName(name, "name"));
        }
        assertRejected("name is missing (null)", () -> HostNames.requireHostName(null, "name"));
    }

    @Test
    void givenLiteralAddresses_whenChecked_thenAccepted() {
        for (String address : List.of("10.87.0.11", "0.0.0.0", "255.255.255.255", "::1", "::", "fd00::11",
                "2001:db8:0:0:0:0:0:1", "2001:DB8::8:800:200C:417A", "::ffff:10.87.0.11", "64:ff9b::10.0.0.1",
                "1:2:3:4:5:6:10.0.0.1", "1::", "1:2:3:4:5:6:7::")) {
            assertEquals(address, HostNames.requireAddress(address, "address"));
        }
    }

    @Test
    void givenInvalidAddresses_whenChecked_thenRejected() {
        for (String address : List.of("", "10.87.0", "10.87.0.256", "010.87.0.11", "10.87.0.11.5", "10.87.0.11 ",
                " 10.87.0.11", "10.87.0.11\n", "pg1", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "1::2::3", ":::", "12345::",
                "fe80::1%eth0",
                "1:2:3:4:5:6:7:10.0.0.1", "::10.0.0", "::g", "10.0.0.1::")) {
            assertRejected("is not a literal IPv4 address", () -> HostNames.requireAddress(address, "address"));
        }
    }
}

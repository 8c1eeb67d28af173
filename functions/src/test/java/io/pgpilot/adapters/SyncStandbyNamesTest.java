package io.pgpilot.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.pgpilot.core.Step;
import java.util.List;
import org.junit.jupiter.api.Test;

class SyncStandbyNamesTest {

    @Test
    void givenEveryFormPostgresAccepts_whenParsed_thenTheNamesInPriorityOrder() {
        assertEquals(List.of(), SyncStandbyNames.parse(""));
        assertEquals(List.of(), SyncStandbyNames.parse("  "));
        assertEquals(List.of(), SyncStandbyNames.parse(null));
        assertEquals(List.of("pg2"), SyncStandbyNames.parse("pg2"));
        assertEquals(List.of("pg2", "pg3"), SyncStandbyNames.parse("pg2,pg3"));
        assertEquals(List.of("pg2", "pg3"), SyncStandbyNames.parse(" pg2 , pg3 "));
        assertEquals(List.of("pg2"), SyncStandbyNames.parse("FIRST 1 (pg2)"));
        assertEquals(List.of("pg2", "pg3"), SyncStandbyNames.parse("first 1(pg2, pg3)"));
        assertEquals(List.of("pg3", "pg2"), SyncStandbyNames.parse("ANY 1 (pg3, pg2)"));
        assertEquals(List.of("pg2", "pg3"), SyncStandbyNames.parse("2 (pg2, pg3)"));
        assertEquals(List.of("*"), SyncStandbyNames.parse("*"));
        assertEquals(List.of("*"), SyncStandbyNames.parse("FIRST 1 (*)"));
    }

    @Test
    void givenQuotedNames_whenParsed_thenTheirTextIsKeptExactly() {
        assertEquals(List.of("Pg2", "a \"b\"", "FIRST", "1"), SyncStandbyNames.parse("ANY 2 (\"Pg2\", \"a \"\"b\"\"\", \"FIRST\", 1)"));
    }

    @Test
    void givenKeywordsUsedAsNames_whenParsed_thenTheyAreNames() {
        assertEquals(List.of("first"), SyncStandbyNames.parse("first"));
        assertEquals(List.of("any", "pg2"), SyncStandbyNames.parse("any, pg2"));
        assertEquals(List.of("2"), SyncStandbyNames.parse("2"));
    }

    @Test
    void givenWhatTheCoreWrites_whenParsedBack_thenTheSameStandbys() {
        Step.SetSyncStandbys step = new Step.SetSyncStandbys("pg1", List.of("pg2", "pg3"));

        assertEquals(step.standbys(), SyncStandbyNames.parse(step.setting()));
    }

    @Test
    void givenMalformedSettings_whenParsed_thenRejected() {
        for (String setting : List.of("FIRST 1 (pg2", "FIRST 1 ()", "pg2,", ",pg2", "(pg2)", "\"pg2", "pg2 pg3",
                "FIRST 1 (pg2) pg3")) {
            assertThrows(IllegalArgumentException.class, () -> SyncStandbyNames.parse(setting), setting);
        }
    }
}

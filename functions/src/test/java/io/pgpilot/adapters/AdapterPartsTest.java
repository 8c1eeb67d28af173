package io.pgpilot.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.Ec2State;
import io.pgpilot.core.Role;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The adapters' small pure parts: no network. */
class AdapterPartsTest {

    @Test
    void givenSubjects_whenFittedForSns_thenNoControlCharactersAndAtMost99Characters() {
        assertEquals("pgpilot main: pg2 promoted", Notifications.subject("pgpilot main: pg2 promoted"));
        assertEquals("line one  line two", Notifications.subject(" line one\r\nline two\t"));
        assertEquals("", Notifications.subject(null));
        String fitted = Notifications.subject("x".repeat(150));
        assertEquals(99, fitted.length());
        assertTrue(fitted.endsWith("xxx..."));
        assertEquals("é".repeat(99), Notifications.subject("é".repeat(99)));
        String emoji = Notifications.subject("😀".repeat(120));
        assertEquals(99, emoji.codePointCount(0, emoji.length()));
    }

    @Test
    void givenPollPauses_whenRepeated_thenTheyDoubleUpToTwoSeconds() {
        List<Long> pauses = new ArrayList<>();
        Duration pause = SsmCommands.FIRST_POLL;
        for (int i = 0; i < 8; i++) {
            pauses.add(pause.toMillis());
            pause = SsmCommands.nextPause(pause);
        }
        assertEquals(List.of(100L, 200L, 400L, 800L, 1600L, 2000L, 2000L, 2000L), pauses);
    }

    @Test
    void givenCommandResults_whenAsked_thenFinishedSucceededAndTheirJson() {
        CommandResult done = new CommandResult("i-1", "Success", "Success", 0, "ok\n{\"changed\":true}\n", null);
        CommandResult failed = new CommandResult("i-1", "Failed", "Failed", 3, "", "boom");
        CommandResult waiting = new CommandResult("i-1", "InProgress", null, -1, null, null);

        assertTrue(done.finished() && done.succeeded());
        assertEquals(Optional.of(Map.of("changed", true)), done.json());
        assertTrue(failed.finished());
        assertFalse(failed.succeeded());
        assertFalse(waiting.finished());
        assertEquals(Optional.empty(), waiting.json());
    }

    @Test
    void givenCommandTargets_whenBuilt_thenEitherTagsOrInstanceIds() {
        assertEquals(List.of("pg2"), CommandTarget.hosts("main", List.of("pg2")).names());
        assertEquals(List.of(), CommandTarget.cluster("main").names());
        assertThrows(IllegalArgumentException.class, () -> CommandTarget.hosts("main", List.of()));
        assertThrows(IllegalArgumentException.class, () -> CommandTarget.instances(List.of()));
        assertThrows(IllegalArgumentException.class, () -> new CommandTarget("main", List.of(), List.of("i-1")));
        assertThrows(IllegalArgumentException.class, () -> new CommandTarget(null, List.of("pg2"), List.of("i-1")));
        assertThrows(IllegalArgumentException.class, () -> CommandTarget.cluster(" "));
    }

    @Test
    void givenRoleTags_whenRead_thenDatabaseRolesOnly() {
        assertEquals(Optional.of(Role.PRIMARY), instance("primary").role());
        assertEquals(Optional.of(Role.REBUILD), instance("rebuild").role());
        assertEquals(Optional.empty(), instance("pgpool").role());
        assertEquals(Optional.empty(), instance("Primary").role());
        assertEquals(Optional.empty(), instance(null).role());
    }

    @Test
    void givenASecret_whenPrinted_thenItsValueIsHidden() {
        SecretValue secret = new SecretValue("pgpilot/replication", "s3cr3t-value");

        assertEquals("s3cr3t-value", secret.reveal());
        assertFalse(secret.toString().contains("s3cr3t"));
        assertTrue(secret.toString().contains("pgpilot/replication"));
    }

    @Test
    void givenALease_whenItsTimeComes_thenItHasExpired() {
        Lease lease = new Lease("main", "a", 1, Instant.parse("2030-01-01T00:00:10Z"));

        assertFalse(lease.expiredAt(Instant.parse("2030-01-01T00:00:09.999Z")));
        assertTrue(lease.expiredAt(Instant.parse("2030-01-01T00:00:10Z")));
        assertThrows(IllegalArgumentException.class, () -> new Lease("main", "a", 0, Instant.EPOCH));
    }

    private static Instance instance(String roleTag) {
        return new Instance("pg1", "i-1", "10.0.0.1", Ec2State.RUNNING, roleTag);
    }
}

package io.pgpilot.core.ports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.Ec2State;
import io.pgpilot.core.Role;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The records the ports speak in: command results and targets, instances and their tags, leases. */
class PortRecordsTest {

    @Test
    void givenCommandResults_whenAsked_thenFinishedAndSucceeded() {
        CommandResult done = new CommandResult("i-1", "Success", "Success", 0, "ok\n{\"changed\":true}\n", null);
        CommandResult failed = new CommandResult("i-1", "Failed", "Failed", 3, "", "boom");
        CommandResult waiting = new CommandResult("i-1", "InProgress", null, -1, null, null);

        assertTrue(done.finished() && done.succeeded());
        assertTrue(failed.finished());
        assertFalse(failed.succeeded());
        assertFalse(waiting.finished());
        assertEquals("", waiting.stdout());
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
    void givenInstanceTags_whenRead_thenBlankCountsAsAbsent() {
        Instance instance = new Instance("pg3", "i-1", "10.0.0.3", Ec2State.RUNNING, "standby",
                Map.of("pgpilot:upstream", "pg2", "pgpilot:sync", " "));

        assertEquals(Optional.of("pg2"), instance.tag(Instances.UPSTREAM_TAG));
        assertEquals(Optional.empty(), instance.tag(Instances.SYNC_TAG));
        assertEquals(Optional.empty(), instance.tag(Instances.PGCLUSTER_TAG));
        assertEquals(Map.of(), new Instance("pg1", "i-2", null, Ec2State.STOPPED, "primary").tags());
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

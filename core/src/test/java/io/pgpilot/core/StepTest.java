package io.pgpilot.core;

import static io.pgpilot.core.PlannerInputTest.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgpilot.core.Step.Fence;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StepTest {

    @Test
    void givenSyncStandbys_whenRendered_thenFirstOneOfTheQuotedNamesOrEmptyForAsynchronous() {
        assertEquals("FIRST 1 (\"pg3\")", new Step.SetSyncStandbys("pg2", List.of("pg3")).setting());
        assertEquals("FIRST 1 (\"pg2\", \"pg3\")", new Step.SetSyncStandbys("pg1", List.of("pg2", "pg3")).setting());
        assertEquals("", new Step.SetSyncStandbys("pg1", List.of()).setting());
    }

    @Test
    void givenRetagRoles_whenBuilt_thenTheirOrderIsKept() {
        Map<String, Role> roles = new LinkedHashMap<>();
        roles.put("pg3", Role.REBUILD);
        roles.put("pg1", Role.STANDBY);
        roles.put("pg2", Role.PRIMARY);

        assertEquals(List.of("pg3", "pg1", "pg2"), List.copyOf(new Step.RetagInstances(roles).roles().keySet()));
    }

    @Test
    void givenInconsistentSteps_whenBuilt_thenRejected() {
        assertRejected("pg2 cannot stream from itself", () -> new Step.Repoint("pg2", "pg2"));
        assertRejected("must be distinct and exclude the primary pg1",
                () -> new Step.SetSyncStandbys("pg1", List.of("pg1")));
        assertRejected("must be distinct and exclude the primary pg1",
                () -> new Step.SetPgpoolBackends("pg1", List.of("pg2", "pg2")));
        assertRejected("a published hosts map must name pg-primary",
                () -> new Step.PublishHosts(Map.of("pg1", "10.87.0.11")));
        assertRejected("nothing to retag", () -> new Step.RetagInstances(Map.of()));
        assertRejected("how to fence pg1 is missing (null)", () -> new Fence("pg1", null));
        assertRejected("node to promote is missing (null)", () -> new Step.Promote(null));
        assertRejected("upstream to rebuild pg3 from is missing (null)", () -> new Step.RebuildStandby("pg3", null));
        assertRejected("address of pg-primary.lab.internal \"pg2\" is not a literal",
                () -> new Step.UpdateDnsRecord("pg-primary.lab.internal", "pg2"));
        assertRejected("message is missing (null)", () -> new Step.Notify("subject", null));
    }
}

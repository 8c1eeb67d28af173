package io.pgpilot.ec2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.Lsn;
import io.pgpilot.core.PrimaryRecord;
import io.pgpilot.core.Step;
import io.pgpilot.fakes.FakeCluster;
import io.pgpilot.fakes.Fixture;
import io.pgpilot.runner.Log;
import io.pgpilot.runner.Outcome;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The primary record: every look that sees the primary writes where its WAL was, which standbys
 * its commits waited for and what they had confirmed; a change of its synchronous standbys is
 * recorded before it is made; a record never goes back in time nor changes database.
 */
class PrimaryRecordingTest {

    private final Fixture fixture = Fixture.seedChain();
    private final FakeCluster lab = fixture.lab;

    @Test
    void givenAHealthyChain_whenTheMonitorLooks_thenThePrimaryItsSynchronousStandbyAndWhatItConfirmedAreRecorded() {
        lab.host("pg1").lsn = Lsn.parse("0/3000100");
        lab.host("pg2").lsn = Lsn.parse("0/3000100");

        fixture.automation.monitor("req-1");

        PrimaryRecord record = fixture.services.primaries.get("lab");
        assertEquals("pg1", record.primary());
        assertEquals(FakeCluster.SYSTEM_ID, record.systemIdentifier());
        assertEquals(Lsn.parse("0/3000100"), record.position());
        assertEquals(List.of("pg2"), record.syncStandbys());
        assertEquals(Map.of("pg2", Lsn.parse("0/3000100")), record.confirmed());
        assertEquals(1, record.timeline());
    }

    @Test
    void givenThePrimaryHasFailed_whenTheMonitorLooks_thenTheLastRecordStaysAndTheFailoverDecidesFromIt() {
        fixture.automation.monitor("req-1");
        PrimaryRecord before = fixture.services.primaries.get("lab");
        lab.host("pg1").postgresUp = false;

        Outcome outcome = fixture.automation.monitor("req-2");

        assertEquals(Outcome.Action.COMPLETED, outcome.action(), outcome::reason);
        assertTrue(outcome.reason().contains("pg2 holds every acknowledged commit: the standbys that could confirm"
                + " commits of pg1 were pg2 (synchronous_standby_names of pg1 recorded at " + before.at() + ")"),
                outcome::reason);
    }

    @Test
    void givenANewSynchronousStandby_whenTheStepRuns_thenTheRecordNamesItBeforeThePrimaryWaitsForIt() {
        fixture.automation.monitor("req-1");
        Observer observer = new Observer("lab", lab, lab, fixture.services, fixture.clock, fixture.clock.pause(), 1,
                java.time.Duration.ZERO, new Log(System.out, fixture.clock));
        Ec2StepExecutor executor = new Ec2StepExecutor(Ec2StepExecutor.Settings.of(fixture.config), lab, lab, observer,
                null, fixture.clock, fixture.clock.pause(), new Log(System.out, fixture.clock));

        executor.execute(observer.inventory(), new Step.SetSyncStandbys("pg1", List.of("pg3")), () -> true);

        assertEquals(List.of("pg2", "pg3"), fixture.services.primaries.get("lab").syncStandbys(),
                "the old and the new names until a look sees the setting in effect");
        fixture.clock.advance(java.time.Duration.ofSeconds(1));
        observer.observe(observer.inventory());
        assertEquals(List.of("pg3"), fixture.services.primaries.get("lab").syncStandbys());
    }

    @Test
    void givenARecordOfAnotherDatabase_whenThePrimaryIsSeen_thenTheRecordStaysAndTheLogSaysWhy() {
        PrimaryRecord foreign = new PrimaryRecord("lab", "pg1", "7399999999999999999", 1, Lsn.parse("0/1000000"),
                List.of("pg2"), Map.of(), fixture.clock.instant());
        fixture.services.primaries.put("lab", foreign);
        fixture.clock.advance(java.time.Duration.ofSeconds(1));

        fixture.automation.monitor("req-1");

        assertEquals(foreign, fixture.services.primaries.get("lab"));
        assertTrue(fixture.log().contains("\"event\":\"primary-record-kept\""), fixture::log);
    }
}

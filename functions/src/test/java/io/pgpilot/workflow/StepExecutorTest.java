package io.pgpilot.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.Ec2State;
import io.pgpilot.core.Role;
import io.pgpilot.core.Step.Fence;
import io.pgpilot.core.Step;
import io.pgpilot.core.ports.CommandTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Every step the planner can emit has an execution (pg_auto_failover's rule), and each one calls
 * the right adapter or document with the right parameters, verifies what it can, and names the
 * step and the command's stderr when it fails.
 */
class StepExecutorTest {

    private final FakeCluster lab = FakeCluster.seedChain();
    private final FakeServices services = new FakeServices();
    private final FakeClock clock = new FakeClock();
    private final Observer observer = new Observer(FakeCluster.CLUSTER, lab, lab, services, clock, clock.pause(), 3,
            Duration.ofMillis(500), new Log(System.out, clock));

    private StepExecutor executor(boolean dns) {
        return new StepExecutor(new StepExecutor.Settings("15", 5432, "10.87.0.0/24", Duration.ofSeconds(120)), lab,
                lab, observer, services, dns ? services : null, clock, clock.pause());
    }

    private StepResult execute(Step step) {
        return executor(true).execute(observer.inventory(), step);
    }

    /** One example of each step type, valid on the seed chain; a new Step type fails the test until it has one. */
    private static final Map<Class<?>, Function<FakeCluster, Step>> SAMPLES = new LinkedHashMap<>();

    static {
        SAMPLES.put(Fence.class, lab -> new Fence("pg3", Fence.How.STOP_POSTGRES));
        SAMPLES.put(Step.Promote.class, lab -> new Step.Promote("pg2"));
        SAMPLES.put(Step.Repoint.class, lab -> new Step.Repoint("pg3", "pg1"));
        SAMPLES.put(Step.SetSyncStandbys.class, lab -> new Step.SetSyncStandbys("pg1", List.of("pg2", "pg3")));
        SAMPLES.put(Step.PublishHosts.class, lab -> new Step.PublishHosts(Map.of("pg1", "10.87.0.11",
                "pg-primary", "10.87.0.11")));
        SAMPLES.put(Step.UpdateDnsRecord.class,
                lab -> new Step.UpdateDnsRecord("pg-primary.lab.internal", "10.87.0.11"));
        SAMPLES.put(Step.SetPgpoolBackends.class, lab -> new Step.SetPgpoolBackends("pg1", List.of("pg2", "pg3")));
        SAMPLES.put(Step.RetagInstances.class, lab -> new Step.RetagInstances(Map.of("pg3", Role.REBUILD)));
        SAMPLES.put(Step.RebuildStandby.class, lab -> new Step.RebuildStandby("pg3", "pg1"));
        SAMPLES.put(Step.Notify.class, lab -> new Step.Notify("pgpilot lab: test", "a test notice"));
    }

    @Test
    void givenEveryPermittedStepType_whenExecuted_thenEachHasAnExecutionThatSucceeds() {
        Class<?>[] types = Step.class.getPermittedSubclasses();
        List<String> missing = new ArrayList<>();
        for (Class<?> type : types) {
            Function<FakeCluster, Step> sample = SAMPLES.get(type);
            if (sample == null) {
                missing.add(type.getSimpleName());
                continue;
            }
            FakeCluster fresh = FakeCluster.seedChain();
            FakeClock time = new FakeClock();
            Observer look = new Observer(FakeCluster.CLUSTER, fresh, fresh, services, time, time.pause(), 1,
                    Duration.ZERO, new Log(System.out, time));
            StepExecutor executor = new StepExecutor(new StepExecutor.Settings("15", 5432, "10.87.0.0/24",
                    Duration.ofSeconds(120)), fresh, fresh, look, services, services, time, time.pause());
            Step step = sample.apply(fresh);

            StepResult result = executor.execute(look.inventory(), step);

            assertEquals(StepResult.Status.DONE, result.status(), result::describe);
            assertTrue(!fresh.journal.isEmpty() || step instanceof Step.Notify || step instanceof Step.UpdateDnsRecord,
                    () -> type.getSimpleName() + " reached no adapter");
        }
        assertEquals(List.of(), missing, "Step types without a sample here (and perhaps without an execution)");
        assertEquals(SAMPLES.size(), types.length);
    }

    @Test
    void givenBothWaysToFence_whenExecuted_thenInstanceIsForceStoppedOrPostgresFencedAndVerified() {
        StepResult instance = execute(new Fence("pg1", Fence.How.STOP_INSTANCE));
        StepResult postgres = execute(new Fence("pg3", Fence.How.STOP_POSTGRES));

        assertEquals(List.of("stop pg1 (force)", "pgpilot-FenceNode [pg3]"), lab.journal);
        assertTrue(instance.detail().contains("stopping"), instance::detail);
        assertEquals(Map.of("pgVersion", "15", "cluster", "pg3", "action", "fence"), lab.sent.get(0).parameters());
        assertEquals(CommandTarget.instances(List.of(lab.id("pg3"))), lab.sent.get(0).target());
        assertTrue(postgres.detail().contains("no longer answers"), postgres::detail);
    }

    @Test
    void givenPublishHosts_whenExecuted_thenOneCommandToTheWholeClusterByTagWithTheEntries() {
        Step.PublishHosts hosts = new Step.PublishHosts(observer.inventory().topology().hostsMap("pg2"));

        execute(hosts);

        assertEquals(1, lab.sent.size());
        FakeCluster.Sent sent = lab.sent.get(0);
        assertEquals("pgpilot-UpdateHosts", sent.document());
        assertEquals(CommandTarget.cluster("lab"), sent.target());
        assertEquals("10.87.0.11 pg1,10.87.0.12 pg2 pg-primary,10.87.0.13 pg3,10.87.0.31 app1,10.87.0.21 pgpool1",
                sent.parameters().get("entries"));
        assertEquals(List.of("pgpilot-UpdateHosts [pg1, pg2, pg3, pgpool1, app1]"), lab.journal);
    }

    @Test
    void givenPromotionThatTheAgentOnlyClaims_whenVerified_thenTheStepFailsBecauseTheNodeIsStillInRecovery() {
        lab.ignore(StepExecutor.PROMOTE_STANDBY);

        StepFailedException failure = assertThrows(StepFailedException.class, () -> execute(new Step.Promote("pg2")));

        assertTrue(failure.getMessage().startsWith("Promote[node=pg2] failed: "), failure::getMessage);
        assertTrue(failure.getMessage().contains("still in recovery"), failure::getMessage);
        assertTrue(clock.instant().isAfter(new FakeClock().instant().plus(StepExecutor.VERIFY_TIMEOUT.minusSeconds(1))),
                "verified for the whole verify timeout before giving up");
    }

    @Test
    void givenFailingCommand_whenExecuted_thenTheErrorNamesTheStepTheHostAndTheStderr() {
        lab.failNext(StepExecutor.REPOINT_STANDBY, "RepointStandby 15/pg3: not streaming from pg1 after 60s");

        StepFailedException failure = assertThrows(StepFailedException.class,
                () -> execute(new Step.Repoint("pg3", "pg1")));

        assertEquals("Repoint[node=pg3, upstream=pg1] failed: pgpilot-RepointStandby on pg3 (" + lab.id("pg3")
                + ", SSM command cmd-1) ended Failed (Failed) with exit code 1: RepointStandby 15/pg3: not streaming"
                + " from pg1 after 60s", failure.getMessage());
    }

    @Test
    void givenRepoint_whenExecuted_thenTheDocumentGetsTheNewUpstreamsNameAndDebianClusterAndStreamingIsVerified() {
        StepResult result = execute(new Step.Repoint("pg3", "pg1"));

        assertEquals(Map.of("pgVersion", "15", "cluster", "pg3", "upstreamHost", "pg1", "upstreamPort", "5432",
                "waitSeconds", "60"), lab.sent.get(0).parameters());
        assertTrue(result.detail().startsWith("pg3 streams from pg1 on timeline 1 (verified by a probe)"),
                result::detail);
    }

    @Test
    void givenSyncStandbys_whenExecuted_thenConfigurePrimaryGetsThemAndTheReplicationCidr() {
        StepResult result = execute(new Step.SetSyncStandbys("pg1", List.of("pg3")));
        execute(new Step.SetSyncStandbys("pg1", List.of()));

        assertEquals(Map.of("pgVersion", "15", "cluster", "pg1", "replicationCidr", "10.87.0.0/24",
                "syncStandbys", "pg3"), lab.sent.get(0).parameters());
        assertEquals("", lab.sent.get(1).parameters().get("syncStandbys"));
        assertTrue(result.detail().startsWith("synchronous_standby_names on pg1 is 'FIRST 1 (\"pg3\")'"),
                result::detail);
    }

    @Test
    void givenPgpoolBackends_whenExecuted_thenEveryNodeInNameOrderOnPgpoolHostsOnly() {
        execute(new Step.SetPgpoolBackends("pg2", List.of("pg3")));

        FakeCluster.Sent sent = lab.sent.get(0);
        assertEquals("pgpilot-PgpoolBackends", sent.document());
        assertEquals(Map.of("backends", "pg1:5432:0:ALLOW_TO_FAILOVER,pg2:5432:0:ALLOW_TO_FAILOVER,"
                + "pg3:5432:1:ALLOW_TO_FAILOVER"), sent.parameters());
        assertEquals(CommandTarget.instances(List.of(lab.id("pgpool1"))), sent.target());
    }

    @Test
    void givenNoPgpoolHostOrNoDnsZone_whenExecuted_thenSkippedWithTheReason() {
        lab.host("pgpool1").ec2 = Ec2State.STOPPED;

        StepResult pgpool = execute(new Step.SetPgpoolBackends("pg1", List.of("pg2")));
        StepResult dns = executor(false).execute(observer.inventory(),
                new Step.UpdateDnsRecord("pg-primary.lab.internal", "10.87.0.11"));

        assertEquals(StepResult.Status.SKIPPED, pgpool.status());
        assertTrue(pgpool.detail().contains("tagged pgpilot:role=pgpool"), pgpool::detail);
        assertEquals(StepResult.Status.SKIPPED, dns.status());
        assertTrue(dns.detail().contains("PGPILOT_HOSTED_ZONE_ID"), dns::detail);
        assertEquals(List.of(), lab.sent);
    }

    @Test
    void givenDnsZone_whenRecordUpdated_thenUpsertedAndReadBack() {
        StepResult result = execute(new Step.UpdateDnsRecord("pg-primary.lab.internal", "10.87.0.12"));

        assertEquals("10.87.0.12", services.records.get("pg-primary.lab.internal"));
        assertEquals("pg-primary.lab.internal -> 10.87.0.12 (TTL 10 s)", result.detail());
    }

    @Test
    void givenRetag_whenExecuted_thenRolesAreWrittenByInstanceInThePlansOrder() {
        Map<String, Role> roles = new LinkedHashMap<>();
        roles.put("pg1", Role.REBUILD);
        roles.put("pg2", Role.PRIMARY);

        execute(new Step.RetagInstances(roles));

        assertEquals(List.of("retag pg1=rebuild,pg2=primary"), lab.journal);
    }

    @Test
    void givenRebuildOfAStoppedInstance_whenExecuted_thenDeferredUntilItRunsAndNothingSent() {
        lab.host("pg1").ec2 = Ec2State.STOPPED;

        StepResult result = execute(new Step.RebuildStandby("pg1", "pg2"));

        assertEquals(StepResult.Status.DEFERRED, result.status());
        assertEquals("rebuild of pg1 from pg2 deferred until the instance runs (EC2 state stopped)", result.detail());
        assertEquals(List.of(), lab.sent);
    }

    @Test
    void givenRebuildOfARunningInstance_whenExecuted_thenRebuildStandbyWithRewindAndStreamingVerified() {
        lab.host("pg3").postgresUp = false;

        StepResult result = execute(new Step.RebuildStandby("pg3", "pg1"));

        assertEquals(StepResult.Status.DONE, result.status(), result::detail);
        assertEquals(Map.of("pgVersion", "15", "cluster", "pg3", "upstreamHost", "pg1", "upstreamPort", "5432",
                "applicationName", "pg3", "rewind", "true"), lab.sent.get(0).parameters());
    }

    @Test
    void givenRebuildOfAFencedNode_whenRefused_thenReportedAsFailedWithoutStoppingThePlan() {
        lab.host("pg3").fenced = true;
        lab.host("pg3").postgresUp = false;

        StepResult result = execute(new Step.RebuildStandby("pg3", "pg1"));

        assertEquals(StepResult.Status.FAILED, result.status());
        assertTrue(result.detail().contains("disabled in start.conf (fenced?)"), result::detail);
    }

    @Test
    void givenStopOfAnInstanceThatIsGone_whenFenced_thenDoneBecauseItCannotWrite() {
        FakeCluster gone = new FakeCluster() {
            @Override
            public synchronized Map<String, Ec2State> stop(List<String> instanceIds, boolean force) {
                throw new IllegalStateException("IncorrectInstanceState: terminated");
            }
        };
        gone.db("pg1", 11, "primary", null, false).ec2 = Ec2State.TERMINATED;
        gone.db("pg2", 12, "standby", "pg1", true);
        Observer look = new Observer(FakeCluster.CLUSTER, gone, gone, services, clock, clock.pause(), 1, Duration.ZERO,
                new Log(System.out, clock));
        StepExecutor executor = new StepExecutor(new StepExecutor.Settings("15", 5432, "10.87.0.0/24",
                Duration.ofSeconds(120)), gone, gone, look, services, null, clock, clock.pause());

        StepResult result = executor.execute(look.inventory(), new Fence("pg1", Fence.How.STOP_INSTANCE));

        assertNotNull(result);
        assertTrue(result.detail().endsWith("is already terminated"), result::detail);
    }
}

package io.pgpilot.ec2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.Ec2State;
import io.pgpilot.core.Role;
import io.pgpilot.core.Step.Fence;
import io.pgpilot.core.Step;
import io.pgpilot.core.StepResult;
import io.pgpilot.core.ports.CommandTarget;
import io.pgpilot.fakes.FakeClock;
import io.pgpilot.fakes.FakeCluster;
import io.pgpilot.fakes.FakeServices;
import io.pgpilot.runner.KeepAlive;
import io.pgpilot.runner.Log;
import io.pgpilot.runner.StepFailedException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Every step a planner can emit has exactly one executor (pg_auto_failover's rule), and each one
 * this executor runs calls the right adapter or document with the right parameters, verifies
 * what it can, and names the step and the command's stderr when it fails.
 */
class Ec2StepExecutorTest {

    private final FakeCluster lab = FakeCluster.seedChain();
    private final FakeServices services = new FakeServices();
    private final FakeClock clock = new FakeClock();
    private final Observer observer = new Observer(FakeCluster.CLUSTER, lab, lab, services, clock, clock.pause(), 3,
            Duration.ofMillis(500), new Log(System.out, clock));

    private static final Ec2StepExecutor.Settings SETTINGS = new Ec2StepExecutor.Settings("15", 5432, "10.87.0.0/24",
            Duration.ofSeconds(120), Duration.ofSeconds(300), Duration.ofSeconds(30), Duration.ofMillis(500), "lab");
    /** A run that keeps its lease. */
    private static final KeepAlive HELD = () -> true;

    private Ec2StepExecutor executor(boolean dns) {
        return new Ec2StepExecutor(SETTINGS, lab, lab, observer, dns ? services : null, clock, clock.pause(),
                new Log(System.out, clock));
    }

    private StepResult execute(Step step) {
        return executor(true).execute(observer.inventory(), step, HELD);
    }

    /** One example of each step type this executor runs, valid on the seed chain. */
    private static final Map<Class<?>, Function<FakeCluster, Step>> SAMPLES = new LinkedHashMap<>();

    static {
        SAMPLES.put(Fence.class, lab -> new Fence("pg3", Fence.How.STOP_POSTGRES));
        SAMPLES.put(Step.Unfence.class, lab -> new Step.Unfence("pg3"));
        SAMPLES.put(Step.AwaitCatchUp.class, lab -> new Step.AwaitCatchUp("pg2", "pg1"));
        SAMPLES.put(Step.Promote.class, lab -> new Step.Promote("pg2"));
        SAMPLES.put(Step.Repoint.class, lab -> new Step.Repoint("pg3", "pg1"));
        SAMPLES.put(Step.SetSyncStandbys.class, lab -> new Step.SetSyncStandbys("pg1", List.of("pg2", "pg3")));
        SAMPLES.put(Step.PublishHosts.class, lab -> new Step.PublishHosts(Map.of("pg1", "10.87.0.11",
                "pg-primary", "10.87.0.11")));
        SAMPLES.put(Step.UpdateDnsRecord.class,
                lab -> new Step.UpdateDnsRecord("pg-primary.lab.internal", "10.87.0.11"));
        SAMPLES.put(Step.TellPgpoolPrimary.class, lab -> new Step.TellPgpoolPrimary("pg1"));
        SAMPLES.put(Step.SetPgpoolBackends.class, lab -> new Step.SetPgpoolBackends("pg1", List.of("pg2", "pg3")));
        SAMPLES.put(Step.RetagInstances.class, lab -> new Step.RetagInstances(Map.of("pg3", Role.REBUILD)));
        SAMPLES.put(Step.RebuildStandby.class, lab -> new Step.RebuildStandby("pg3", "pg1"));
        SAMPLES.put(Step.Backup.class, lab -> new Step.Backup("pg3", "pg1", "full"));
    }

    @Test
    void givenEveryStepTypeThisExecutorRuns_whenSampled_thenEachHasASample() {
        assertEquals(Ec2StepExecutor.STEPS, SAMPLES.keySet(), "a sample of every step this executor runs");
    }

    @Test
    void givenEveryStepTypeThisExecutorRuns_whenExecuted_thenEachSucceeds() {
        for (Map.Entry<Class<?>, Function<FakeCluster, Step>> sample : SAMPLES.entrySet()) {
            FakeCluster fresh = FakeCluster.seedChain();
            FakeClock time = new FakeClock();
            Observer look = new Observer(FakeCluster.CLUSTER, fresh, fresh, services, time, time.pause(), 1,
                    Duration.ZERO, new Log(System.out, time));
            Ec2StepExecutor executor = new Ec2StepExecutor(SETTINGS, fresh, fresh, look, services, time, time.pause(),
                    new Log(System.out, time));
            Step step = sample.getValue().apply(fresh);

            StepResult result = executor.execute(look.inventory(), step, HELD);

            assertEquals(StepResult.Status.DONE, result.status(), result::describe);
            assertTrue(!fresh.journal.isEmpty() || step instanceof Step.UpdateDnsRecord
                    || step instanceof Step.AwaitCatchUp, () -> sample.getKey().getSimpleName() + " reached no adapter");
        }
    }

    @Test
    void givenEveryWayToFence_whenExecuted_thenInstanceIsForceStoppedOrPostgresFencedAndVerified() {
        lab.stoppingDescribes = 4;
        StepResult instance = execute(new Fence("pg1", Fence.How.STOP_INSTANCE));
        StepResult unawaited = execute(new Fence("pg2", Fence.How.STOP_INSTANCE_UNAWAITED));
        StepResult postgres = execute(new Fence("pg3", Fence.How.STOP_POSTGRES));

        assertEquals(List.of("stop pg1 (force)", "stop pg2 (force)", "pgpilot-FenceNode [pg3]"), lab.journal);
        assertEquals("EC2 force-stop of pg1 (" + lab.id("pg1") + ") done: stopped after 5000 ms", instance.detail(),
                "awaited until EC2 reports it stopped, described once a second");
        assertEquals("EC2 force-stop of pg2 (" + lab.id("pg2") + ") accepted: stopping", unawaited.detail());
        assertEquals(Map.of("pgVersion", "15", "cluster", "pg3", "action", "fence"), lab.sent.get(0).parameters());
        assertEquals(CommandTarget.instances(List.of(lab.id("pg3"))), lab.sent.get(0).target());
        assertTrue(postgres.detail().contains("no longer answers"), postgres::detail);
    }

    @Test
    void givenAnInstanceThatStaysStopping_whenFencedAwaitingStopped_thenTheStepFailsAndNothingMayBePromoted() {
        lab.stoppingDescribes = Integer.MAX_VALUE;

        StepFailedException failed = assertThrows(StepFailedException.class,
                () -> execute(new Fence("pg1", Fence.How.STOP_INSTANCE)));

        assertTrue(failed.getMessage().contains("was accepted but the instance is still stopping after 120 s"
                + " (PGPILOT_COMMAND_TIMEOUT_SECONDS); nothing is promoted while it may still acknowledge commits"),
                failed::getMessage);
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
        lab.ignore(Ec2StepExecutor.PROMOTE_STANDBY);

        StepFailedException failure = assertThrows(StepFailedException.class, () -> execute(new Step.Promote("pg2")));

        assertTrue(failure.getMessage().startsWith("Promote[node=pg2] failed: "), failure::getMessage);
        assertTrue(failure.getMessage().contains("still in recovery"), failure::getMessage);
        assertTrue(clock.instant().isAfter(new FakeClock().instant().plus(Ec2StepExecutor.VERIFY_TIMEOUT.minusSeconds(1))),
                "verified for the whole verify timeout before giving up");
    }

    @Test
    void givenFailingCommand_whenExecuted_thenTheErrorNamesTheStepTheHostAndTheStderr() {
        lab.failNext(Ec2StepExecutor.REPOINT_STANDBY, "RepointStandby 15/pg3: not streaming from pg1 after 60s");

        StepFailedException failure = assertThrows(StepFailedException.class,
                () -> execute(new Step.Repoint("pg3", "pg1")));

        assertEquals("Repoint[node=pg3, upstream=pg1] failed: pgpilot-RepointStandby on pg3 (" + lab.id("pg3")
                + ", SSM command cmd-1) ended Failed (Failed) with exit code 1: RepointStandby 15/pg3: not streaming"
                + " from pg1 after 60s", failure.getMessage());
    }

    @Test
    void givenAPromotion_whenPgpoolIsToldNext_thenTheTellSentWithThePromotionIsAwaitedNotSentAgain() {
        lab.host("pg1").postgresUp = false;
        Ec2StepExecutor executor = executor(true);

        executor.execute(observer.inventory(), new Step.Promote("pg2"), HELD);
        StepResult told = executor.execute(observer.inventory(), new Step.TellPgpoolPrimary("pg2"), HELD);

        assertEquals(List.of("pgpilot-PgpoolBackends [pgpool1]", "pgpilot-PromoteStandby [pg2]"), lab.journal,
                "the tell goes first, so that its delivery overlaps the promotion");
        assertEquals("pg2", lab.sent.get(0).parameters().get("tellPrimary"));
        assertEquals("60", lab.sent.get(0).parameters().get("tellWaitSeconds"), "it waits for pg2 to be a primary");
        assertEquals(StepResult.Status.DONE, told.status(), told::describe);
        assertTrue(told.detail().contains("told with the promotion"), told::detail);
    }

    @Test
    void givenATellSentWithThePromotionThatFailed_whenPgpoolIsToldNext_thenItIsSentAgain() {
        Ec2StepExecutor executor = executor(true);
        lab.failNext(Ec2StepExecutor.PGPOOL_BACKENDS, "pg2:5432 does not answer pgpool as a primary");

        executor.execute(observer.inventory(), new Step.Promote("pg2"), HELD);
        StepResult told = executor.execute(observer.inventory(), new Step.TellPgpoolPrimary("pg2"), HELD);

        assertEquals(StepResult.Status.DONE, told.status(), told::describe);
        assertEquals(3, lab.sent.size(), "the tell, the promotion, the tell again");
        assertEquals(null, lab.sent.get(2).parameters().get("tellWaitSeconds"), "the promotion is done: no wait");
    }

    @Test
    void givenATellLeftByAnEarlierRun_whenPgpoolIsToldLater_thenANewOneIsSent() {
        Ec2StepExecutor executor = executor(true);
        executor.execute(observer.inventory(), new Step.Promote("pg2"), HELD);
        clock.advance(SETTINGS.commandTimeout());

        StepResult told = executor.execute(observer.inventory(), new Step.TellPgpoolPrimary("pg2"), HELD);

        assertEquals(StepResult.Status.DONE, told.status(), told::describe);
        assertEquals(3, lab.sent.size(), "the old tell is not taken for an answer now");
        assertTrue(!told.detail().contains("told with the promotion"), told::detail);
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
    void givenSyncStandbys_whenExecuted_thenConfigurePrimarySetsOnlyThem() {
        StepResult result = execute(new Step.SetSyncStandbys("pg1", List.of("pg3")));
        execute(new Step.SetSyncStandbys("pg1", List.of()));

        assertEquals(Map.of("pgVersion", "15", "cluster", "pg1", "replicationCidr", "10.87.0.0/24",
                "syncStandbys", "pg3", "syncStandbysOnly", "true"), lab.sent.get(0).parameters());
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
                new Step.UpdateDnsRecord("pg-primary.lab.internal", "10.87.0.11"), HELD);

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
    void givenRebuildOfAFencedNode_whenRefused_thenReportedAsFailedWithoutStoppingThePlanAndLeftFenced() {
        lab.host("pg3").fenced = true;
        lab.host("pg3").postgresUp = false;

        StepResult result = execute(new Step.RebuildStandby("pg3", "pg1"));

        assertEquals(StepResult.Status.FAILED, result.status());
        assertTrue(result.detail().contains("disabled in start.conf (fenced?)"), result::detail);
        assertEquals(List.of("pgpilot-RebuildStandby [pg3]", "pgpilot-FenceNode [pg3]"), lab.journal,
                "a rebuild that did not end streaming fences the node again");
    }

    // ------------------------------------------------------------------ a rebuild awaited to its end

    /** A keep-alive that counts its renewals and keeps the lease for {@code granted} of them. */
    private static final class CountedLease implements KeepAlive {
        private final int granted;
        int renewals;

        CountedLease(int granted) {
            this.granted = granted;
        }

        @Override
        public boolean renew() {
            return ++renewals <= granted;
        }
    }

    private StepResult rebuildPg3Lasting(Duration lasting, KeepAlive lease) {
        lab.clock = clock;
        lab.lasting(Ec2StepExecutor.REBUILD_STANDBY, lasting);
        lab.host("pg3").postgresUp = false;
        return executor(true).execute(observer.inventory(), new Step.RebuildStandby("pg3", "pg1"), lease);
    }

    @Test
    void givenRebuildLongerThanTheCommandTimeout_whenExecuted_thenPolledUntilItEndsRenewingTheLeaseAfterEachPoll() {
        CountedLease lease = new CountedLease(Integer.MAX_VALUE);

        StepResult result = rebuildPg3Lasting(Duration.ofSeconds(200), lease);

        assertEquals(StepResult.Status.DONE, result.status(), result::detail);
        assertTrue(result.detail().startsWith("pg3 rebuilt and streams from pg1"), result::detail);
        assertEquals(2, lease.renewals, "polls of 120 s and 80 s, the lease renewed after each");
        assertEquals(List.of("pgpilot-RebuildStandby [pg3]"), lab.journal, "not fenced");
    }

    @Test
    void givenRebuildStillRunningAtTheWait_whenExecuted_thenStartedWithItsCommandIdAndNotFenced() {
        StepResult result = rebuildPg3Lasting(Duration.ofSeconds(400), new CountedLease(Integer.MAX_VALUE));

        assertEquals(StepResult.Status.STARTED, result.status(), result::detail);
        assertEquals("the rebuild of pg3 from pg1 (SSM command cmd-1) still runs after 300 s"
                + " (PGPILOT_REBUILD_WAIT_SECONDS); not fenced: pg3 stays tagged rebuild, and the monitor tags it"
                + " standby once it streams", result.detail());
        assertEquals(List.of("pgpilot-RebuildStandby [pg3]"), lab.journal);
        assertEquals(List.of("cmd-1"), lab.running(Ec2StepExecutor.REBUILD_STANDBY, lab.id("pg3")));
        assertEquals(300, result.took().toSeconds(), "awaited for the whole rebuild wait");
    }

    @Test
    void givenTheLeaseLostDuringTheWait_whenExecuted_thenTheWaitStopsAndTheRebuildIsNeitherFencedNorAwaited() {
        CountedLease lease = new CountedLease(0);

        StepResult result = rebuildPg3Lasting(Duration.ofSeconds(400), lease);

        assertEquals(StepResult.Status.FAILED, result.status(), result::detail);
        assertTrue(result.detail().startsWith("this run lost the cluster lease while awaiting the rebuild of pg3"),
                result::detail);
        assertEquals(1, lease.renewals, "stopped at the first renewal refused");
        assertEquals(120, result.took().toSeconds(), "one poll, no more");
        assertEquals(List.of("pgpilot-RebuildStandby [pg3]"), lab.journal, "a rebuild that may still succeed is"
                + " never fenced");
    }

    @Test
    void givenRebuildThatFailsAfterLongerThanTheCommandTimeout_whenExecuted_thenFailedAndFencedAgain() {
        lab.failNext(Ec2StepExecutor.REBUILD_STANDBY, "pg_basebackup: error: connection to pg1 lost");

        StepResult result = rebuildPg3Lasting(Duration.ofSeconds(200), new CountedLease(Integer.MAX_VALUE));

        assertEquals(StepResult.Status.FAILED, result.status(), result::detail);
        assertTrue(result.detail().contains("connection to pg1 lost") && result.detail().endsWith(
                "pg3 is fenced again"), result::detail);
        assertEquals(List.of("pgpilot-RebuildStandby [pg3]", "pgpilot-FenceNode [pg3]"), lab.journal);
        assertTrue(lab.host("pg3").fenced);
    }

    // ------------------------------------------------------------------- the hosts map, host by host

    private StepResult publishHosts() {
        return execute(new Step.PublishHosts(observer.inventory().topology().hostsMap("pg2")));
    }

    @Test
    void givenAHostThatMissesTheHostsMapOnce_whenPublished_thenSentAgainToItAloneAndDone() {
        lab.undelivered(Ec2StepExecutor.UPDATE_HOSTS, "app1", 1);

        StepResult result = publishHosts();

        assertEquals(StepResult.Status.DONE, result.status(), result::detail);
        assertEquals(List.of(CommandTarget.cluster("lab"), CommandTarget.instances(List.of(lab.id("app1")))),
                lab.sent.stream().map(FakeCluster.Sent::target).toList());
        assertTrue(result.detail().endsWith(" written on [app1, pg1, pg2, pg3, pgpool1] by SSM commands cmd-1, cmd-2"),
                result::detail);
    }

    @Test
    void givenAHostThatNeverTakesTheHostsMap_whenPublished_thenRetriedOnceAndPartialNamingIt() {
        lab.undelivered(Ec2StepExecutor.UPDATE_HOSTS, "app1", Integer.MAX_VALUE);

        StepResult result = publishHosts();

        assertEquals(StepResult.Status.PARTIAL, result.status(), result::detail);
        assertEquals(1 + Ec2StepExecutor.HOSTS_RETRIES, lab.sent.size());
        assertTrue(result.detail().contains(" written on [pg1, pg2, pg3, pgpool1] by SSM commands cmd-1, cmd-2;"
                + " hosts not updated: app1 (" + lab.id("app1") + ": SSM command cmd-2 ended TimedOut (Delivery Timed"
                + " Out))"), result::detail);
    }

    /**
     * Not even for the hosts that route: the map moves only pg-primary, which pgpool does not route
     * by (its backends are the next step, which fails on its own) and the new primary does not
     * resolve; a host left with the old map reaches the fenced old primary, not a second one.
     */
    @Test
    void givenThePgpoolHostAndTheNewPrimaryMissingTheHostsMap_whenPublished_thenPartialNotFailed() {
        lab.undelivered(Ec2StepExecutor.UPDATE_HOSTS, "pgpool1", Integer.MAX_VALUE);
        lab.undelivered(Ec2StepExecutor.UPDATE_HOSTS, "pg2", Integer.MAX_VALUE);

        StepResult result = publishHosts();

        assertEquals(StepResult.Status.PARTIAL, result.status(), result::detail);
        assertTrue(result.detail().contains("hosts not updated: pg2 (") && result.detail().contains("; pgpool1 ("),
                result::detail);
    }

    /** No host at all: not a host but SSM or the document is broken; the tags, unchanged, make the next run publish again. */
    @Test
    void givenNoHostTakingTheHostsMap_whenPublished_thenTheStepFailsNamingThemAll() {
        for (String host : List.of("pg1", "pg2", "pg3", "pgpool1", "app1")) {
            lab.undelivered(Ec2StepExecutor.UPDATE_HOSTS, host, Integer.MAX_VALUE);
        }

        StepFailedException failure = assertThrows(StepFailedException.class, this::publishHosts);

        assertTrue(failure.detail().startsWith("no host took the hosts map ("), failure::detail);
        assertTrue(failure.detail().contains("hosts not updated: app1 (") && failure.detail().contains("; pgpool1 ("),
                failure::detail);
    }

    @Test
    void givenTheLeaseLostBeforeTheRetry_whenPublished_thenTheStepFailsWithoutSendingAgain() {
        lab.undelivered(Ec2StepExecutor.UPDATE_HOSTS, "app1", 1);

        StepFailedException failure = assertThrows(StepFailedException.class, () -> executor(true).execute(
                observer.inventory(), new Step.PublishHosts(observer.inventory().topology().hostsMap("pg2")),
                new CountedLease(0)));

        assertTrue(failure.detail().startsWith("this run lost the cluster lease before sending the hosts map again;"
                + " hosts not updated: app1 ("), failure::detail);
        assertEquals(1, lab.sent.size());
    }

    @Test
    void givenATargetBehindThePrimary_whenAwaitingItsCatchUp_thenFailsAfterTheTimeoutSayingHowFarBehind() {
        lab.host("pg3").lsn = io.pgpilot.core.Lsn.parse("0/3000000");
        lab.host("pg3").upstream = "pg1";

        StepFailedException failure = assertThrows(StepFailedException.class,
                () -> execute(new Step.AwaitCatchUp("pg3", "pg1")));

        assertEquals("pg3 was still 96 bytes behind pg1 (replayed 0/3000000, primary at 0/3000060) after 30 s",
                failure.detail());
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
        Ec2StepExecutor executor = new Ec2StepExecutor(SETTINGS, gone, gone, look, null, clock, clock.pause(),
                new Log(System.out, clock));

        StepResult result = executor.execute(look.inventory(), new Fence("pg1", Fence.How.STOP_INSTANCE), HELD);

        assertNotNull(result);
        assertTrue(result.detail().endsWith("is already terminated"), result::detail);
    }
}

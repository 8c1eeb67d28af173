package io.pgpilot.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpilot.core.ports.Lease;
import io.pgpilot.core.ports.Leases;
import io.pgpilot.lab.LabExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The cluster lease on DynamoDB conditional writes, with time passed in. */
@ExtendWith(LabExtension.class)
class DynamoDbLeasesIT {

  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  private static final Duration TTL = Duration.ofSeconds(60);

  // The extension must run after LabExtension, which brings the emulator up.
  @RegisterExtension
  static final StateTableFixture STATE = new StateTableFixture();

  @Test
  void givenAHeldLease_whenASecondOwnerTries_thenRefusedUntilItExpiresThenGrantedWithTheNextEpochAndTheCutOffRun() {
    String cluster = Emulator.unique("c");
    Leases leases = new DynamoDbLeases(STATE.dynamo(), STATE.table());

    Lease a = leases.tryAcquire(cluster, "invocation-a", TTL, T0).orElseThrow();

    assertEquals(new Lease(cluster, "invocation-a", 1, T0.plus(TTL)), a);
    assertEquals(Optional.empty(), leases.tryAcquire(cluster, "invocation-b", TTL, T0.plusSeconds(1)));
    assertEquals(Optional.empty(), leases.tryAcquire(cluster, "invocation-b", TTL, T0.plus(TTL).minusMillis(1)));
    assertEquals(Optional.of(a), leases.holder(cluster, T0.plusSeconds(59)));
    assertEquals(Optional.empty(), leases.holder(cluster, T0.plus(TTL)));

    Lease b = leases.tryAcquire(cluster, "invocation-b", TTL, T0.plus(TTL)).orElseThrow();

    assertEquals(2, b.epoch());
    // a never released its lease: its run was cut off, and the grant says so.
    assertEquals(new Lease.Predecessor("invocation-a", 1, T0.plus(TTL)), b.cutOff());
    assertEquals("invocation-b", item(cluster).get("owner").s());
    assertEquals("2", item(cluster).get("epoch").n());
  }

  @Test
  void givenALeaseTakenOver_whenTheOldOwnerRenewsOrReleases_thenBothRefusedAndTheNewHolderKeepsIt() {
    String cluster = Emulator.unique("c");
    Leases leases = new DynamoDbLeases(STATE.dynamo(), STATE.table());
    Lease old = leases.tryAcquire(cluster, "a", TTL, T0).orElseThrow();
    Instant later = T0.plus(TTL).plusSeconds(5);
    Lease current = leases.tryAcquire(cluster, "b", TTL, later).orElseThrow();

    assertEquals(Optional.empty(), leases.renew(old, TTL, later.plusSeconds(1)));
    assertFalse(leases.release(old, later.plusSeconds(1)));
    // The same owner name with a stale epoch is refused too: the epoch tells holders apart.
    assertFalse(leases.release(new Lease(cluster, "b", old.epoch(), old.expiresAt()), later.plusSeconds(1)));

    Lease holder = leases.holder(cluster, later.plusSeconds(2)).orElseThrow();
    assertEquals(List.of(current.owner(), current.epoch(), current.expiresAt()),
        List.of(holder.owner(), holder.epoch(), holder.expiresAt()));
  }

  @Test
  void givenAHeldLease_whenItsOwnerRenewsAndReleases_thenItLastsLongerThenIsFreeWithItsEpochKept() {
    String cluster = Emulator.unique("c");
    Leases leases = new DynamoDbLeases(STATE.dynamo(), STATE.table());
    Lease lease = leases.tryAcquire(cluster, "a", TTL, T0).orElseThrow();

    Lease renewed = leases.renew(lease, TTL, T0.plusSeconds(30)).orElseThrow();

    assertEquals(T0.plusSeconds(90), renewed.expiresAt());
    assertEquals(Optional.empty(), leases.tryAcquire(cluster, "b", TTL, T0.plusSeconds(75)));

    assertTrue(leases.release(renewed, T0.plusSeconds(40)));

    assertEquals(Optional.empty(), leases.holder(cluster, T0.plusSeconds(41)));
    assertEquals(Optional.empty(), leases.renew(renewed, TTL, T0.plusSeconds(41)));
    Lease next = leases.tryAcquire(cluster, "b", TTL, T0.plusSeconds(41)).orElseThrow();
    assertEquals(2, next.epoch());
    assertEquals(null, next.cutOff(), "a released lease is no cut-off run");
  }

  @Test
  void givenALeaseThatRanOut_whenItsOwnerRenews_thenRefusedAndItMustAcquireAgain() {
    String cluster = Emulator.unique("c");
    Leases leases = new DynamoDbLeases(STATE.dynamo(), STATE.table());
    Lease lease = leases.tryAcquire(cluster, "a", TTL, T0).orElseThrow();

    assertEquals(Optional.empty(), leases.renew(lease, TTL, T0.plus(TTL)));

    assertEquals(2, leases.tryAcquire(cluster, "a", TTL, T0.plus(TTL)).orElseThrow().epoch());
  }

  @Test
  void givenEightInvocationsAtOnce_whenAllTryToAcquire_thenExactlyOneHoldsTheLease() throws Exception {
    String cluster = Emulator.unique("c");
    Leases leases = new DynamoDbLeases(STATE.dynamo(), STATE.table());
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Optional<Lease>>> attempts = new ArrayList<>();
    try {
      for (int i = 0; i < 8; i++) {
        String owner = "invocation-" + i;
        Callable<Optional<Lease>> attempt = () -> {
          start.await();
          return leases.tryAcquire(cluster, owner, TTL, T0);
        };
        attempts.add(pool.submit(attempt));
      }
      start.countDown();
      List<Lease> granted = new ArrayList<>();
      for (Future<Optional<Lease>> attempt : attempts) {
        attempt.get().ifPresent(granted::add);
      }

      assertEquals(1, granted.size(), granted::toString);
      assertEquals(1, granted.get(0).epoch());
    assertEquals(null, granted.get(0).cutOff(), "the first grant has no predecessor");
      assertEquals(Optional.of(granted.get(0)), leases.holder(cluster, T0.plusSeconds(1)));
    } finally {
      pool.shutdownNow();
    }
  }

  private static Map<String, AttributeValue> item(String cluster) {
    return STATE.dynamo().getItem(r -> r.tableName(STATE.table()).consistentRead(true).key(Map.of(
        StateTable.PK, AttributeValue.fromS("CLUSTER#" + cluster), StateTable.SK, AttributeValue.fromS("LEASE")))).item();
  }
}

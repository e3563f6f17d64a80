package dev.poolgate.ledger;

import dev.poolgate.ErrorKind;
import dev.poolgate.GatewayException;
import dev.poolgate.scheduling.CallMetrics;
import dev.poolgate.scheduling.Health;
import dev.poolgate.scheduling.HealthPolicy;
import dev.poolgate.scheduling.InstanceSnapshot;
import dev.poolgate.scheduling.InstanceSpec;
import dev.poolgate.scheduling.Lease;
import dev.poolgate.scheduling.Outcome;
import dev.poolgate.scheduling.PoolSnapshot;
import dev.poolgate.scheduling.PoolSpec;
import dev.poolgate.scheduling.Strategy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What every {@link SlotLedger} must do, whatever its store. Subclasses provide one or more
 * ledgers sharing one store; requests alternate over them, so in a cluster they come from
 * different members. Each test works on a pool of its own.
 */
public abstract class SlotLedgerContractTest {
  /** Short timings so the backstops (claim poll, sweep) act within a test. */
  protected static final LedgerOptions FAST = new LedgerOptions(10_000, 2_000, 1_000, 100, 1_000);
  private static final AtomicInteger POOLS = new AtomicInteger();

  protected String pool;

  /** The ledgers under test, all on one store. */
  protected abstract List<? extends SlotLedger> ledgers();

  protected abstract Vertx vertx();

  @BeforeEach
  void newPool() {
    pool = "pool-" + POOLS.incrementAndGet();
  }

  // ------------------------------------------------------------------ cases

  @Test
  void grantsWhenFree() {
    configure(List.of(inst("a", 2)), 10);
    Lease lease = await(ledger(0).acquire(req(5, 5_000)));
    assertEquals("a", lease.instanceId());
    assertEquals(pool, lease.pool());
    assertEquals(ledger(0).nodeId(), lease.nodeId());
    assertEquals(1, snap().inFlight());
    await(ledger(0).release(lease, Outcome.SUCCESS, null));
    assertEquals(0, snap().inFlight());
  }

  @Test
  void aLeaseWithoutALiveRequestIsReleasedByTheRenewalSweepAndCounted() {
    configure(List.of(inst("a", 2)), 10);
    Set<String> live = ConcurrentHashMap.newKeySet();
    List<String> orphaned = new java.util.concurrent.CopyOnWriteArrayList<>();
    LeaseOwners owners = new LeaseOwners() {
      @Override
      public boolean alive(String leaseId) {
        return live.contains(leaseId);
      }

      @Override
      public void orphaned(Lease lease) {
        orphaned.add(lease.leaseId());
      }

      @Override
      public boolean abort(String leaseId, String reason) {
        return false;
      }
    };
    ledger(0).owners(owners);
    try {
      Lease owned = await(ledger(0).acquire(req(5, 5_000)));
      live.add(owned.leaseId());
      Lease lost = await(ledger(0).acquire(req(5, 5_000)));
      // eventually: a node reports its use of allotted slots at its next sync
      eventually(() -> snap().inFlight() == 2);
      // two renewals at most (a lease gets one period for its grant to reach its request)
      eventually(() -> snap().inFlight() == 1);
      assertEquals(List.of(lost.leaseId()), orphaned, "the orphan is counted, the owned lease is not");
      await(ledger(0).release(owned, Outcome.SUCCESS, null));
      eventually(() -> snap().inFlight() == 0);
    } finally {
      ledger(0).owners(LeaseOwners.ANY);
    }
  }

  @Test
  void neverAboveCapUnderConcurrentAcquires() {
    configure(List.of(inst("a", 3), inst("b", 2)), 1_000);
    Map<String, Integer> caps = Map.of("a", 3, "b", 2);
    Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>(Map.of("a", new AtomicInteger(),
        "b", new AtomicInteger()));
    AtomicInteger worst = new AtomicInteger();
    List<Future<Void>> done = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      SlotLedger ledger = ledger(i);
      done.add(ledger.acquire(req(ThreadLocalRandom.current().nextInt(11), 60_000)).compose(lease -> {
        int now = inFlight.get(lease.instanceId()).incrementAndGet();
        if (now > caps.get(lease.instanceId())) {
          worst.set(now);
        }
        return vertx().timer(1 + ThreadLocalRandom.current().nextInt(4)).compose(v -> {
          // counted down before the store frees the slot, so the count never runs ahead of it
          inFlight.get(lease.instanceId()).decrementAndGet();
          return ledger.release(lease, Outcome.SUCCESS, null);
        });
      }));
    }
    await(Future.all(done));
    assertEquals(0, worst.get(), "an instance went above its cap");
    eventually(() -> snap().inFlight() == 0 && snap().queued() == 0);
  }

  @Test
  void queuesByPriorityThenFifo() {
    configure(List.of(inst("a", 1)), 10);
    Lease holder = await(ledger(0).acquire(req(5, 10_000)));
    Map<String, Future<Lease>> waiting = new LinkedHashMap<>();
    String[] names = {"low-1", "high-1", "high-2", "low-2", "mid-1"};
    int[] priorities = {1, 9, 9, 1, 5};
    for (int i = 0; i < names.length; i++) {
      waiting.put(names[i], ledger(i + 1).acquire(req(names[i], priorities[i], 20_000, Set.of())));
      int queued = i + 1;
      eventually(() -> snap().queued() == queued);
    }
    await(ledger(0).release(holder, Outcome.SUCCESS, null));
    assertEquals(List.of("high-1", "high-2", "mid-1", "low-1", "low-2"), serveInTurn(waiting));
  }

  @Test
  void rejectsWhenQueueFull() {
    configure(List.of(inst("a", 1)), 1);
    Lease holder = await(ledger(0).acquire(req(5, 10_000)));
    Future<Lease> queued = ledger(1).acquire(req(5, 10_000));
    eventually(() -> snap().queued() == 1);
    assertEquals(ErrorKind.QUEUE_FULL, failure(ledger(0).acquire(req(5, 10_000))));
    await(ledger(0).release(holder, Outcome.SUCCESS, null));
    Lease next = await(queued);
    await(ledger(1).release(next, Outcome.SUCCESS, null));
  }

  @Test
  void failsAtDeadline() {
    configure(List.of(inst("a", 1)), 10);
    Lease holder = await(ledger(0).acquire(req(5, 10_000)));
    long start = System.currentTimeMillis();
    assertEquals(ErrorKind.QUEUE_TIMEOUT, failure(ledger(1).acquire(req(5, 300))));
    assertTrue(System.currentTimeMillis() - start >= 250, "failed before its deadline");
    eventually(() -> snap().queued() == 0);
    await(ledger(0).release(holder, Outcome.SUCCESS, null));
    assertEquals(0, snap().inFlight());
  }

  @Test
  void cancelDropsQueuedTicket() {
    configure(List.of(inst("a", 1)), 10);
    Lease holder = await(ledger(0).acquire(req(5, 10_000)));
    String ticket = UUID.randomUUID().toString();
    Future<Lease> waiting = ledger(1).acquire(req(ticket, 5, 10_000, Set.of()));
    eventually(() -> snap().queued() == 1);
    await(ledger(1).cancel(pool, ticket));
    assertEquals(ErrorKind.CANCELLED, failure(waiting));
    assertEquals(0, snap().queued());
    await(ledger(0).release(holder, Outcome.SUCCESS, null));
    assertEquals(0, snap().inFlight(), "the slot went to a cancelled ticket");
  }

  @Test
  void releaseIsIdempotent() {
    configure(List.of(inst("a", 1)), 10);
    Lease lease = await(ledger(0).acquire(req(5, 5_000)));
    await(ledger(0).release(lease, Outcome.SUCCESS, null));
    await(ledger(1).release(lease, Outcome.SUCCESS, null));
    assertEquals(0, snap().inFlight());
    Lease again = await(ledger(1).acquire(req(5, 5_000)));
    Future<Lease> second = ledger(0).acquire(req(5, 5_000));
    eventually(() -> snap().queued() == 1);
    assertFalse(second.isComplete(), "a double release freed two slots");
    await(ledger(0).release(lease, Outcome.SUCCESS, null));
    assertFalse(second.isComplete(), "releasing a stale lease freed a live slot");
    await(ledger(1).release(again, Outcome.SUCCESS, null));
    await(ledger(0).release(await(second), Outcome.SUCCESS, null));
    assertEquals(0, snap().inFlight());
  }

  @Test
  void releaseHandsSlotToBestWaitingTicket() {
    configure(List.of(inst("a", 1)), 10);
    Lease holder = await(ledger(0).acquire(req(5, 10_000)));
    Future<Lease> low = ledger(0).acquire(req(2, 10_000));
    eventually(() -> snap().queued() == 1);
    Future<Lease> high = ledger(1).acquire(req(8, 10_000));
    eventually(() -> snap().queued() == 2);
    await(ledger(0).release(holder, Outcome.SUCCESS, null));
    Lease got = await(high);
    assertFalse(low.isComplete());
    assertEquals(1, snap().inFlight());
    await(ledger(1).release(got, Outcome.SUCCESS, null));
    await(ledger(0).release(await(low), Outcome.SUCCESS, null));
    assertEquals(0, snap().inFlight());
  }

  @Test
  void honoursExcludedInstances() {
    configure(List.of(inst("a", 1), inst("b", 1)), 10);
    Lease lease = await(ledger(0).acquire(req("t-" + UUID.randomUUID(), 5, 5_000, Set.of("a"))));
    assertEquals("b", lease.instanceId());
    assertEquals(ErrorKind.NO_INSTANCE,
        failure(ledger(1).acquire(req("t-" + UUID.randomUUID(), 5, 5_000, Set.of("a", "b")))));
    await(ledger(0).release(lease, Outcome.SUCCESS, null));
  }

  @Test
  void probesMakeInstanceIneligibleAndReadmitIt() {
    configure(List.of(inst("a", 2), inst("b", 2)), 10, new HealthPolicy(1, 2, 0, 1));
    await(ledger(0).recordProbe(pool, "a", false, "connect refused"));
    assertEquals(Health.DEGRADED, instance("a").health());
    await(ledger(1).recordProbe(pool, "a", false, "connect refused"));
    assertEquals(Health.UNHEALTHY, instance("a").health());
    assertEquals(ErrorKind.NO_INSTANCE,
        failure(ledger(0).acquire(req("t-" + UUID.randomUUID(), 5, 5_000, Set.of("b")))));
    await(ledger(1).recordProbe(pool, "a", true, null));
    assertEquals(Health.HEALTHY, instance("a").health());
    Lease lease = await(ledger(0).acquire(req("t-" + UUID.randomUUID(), 5, 5_000, Set.of("b"))));
    assertEquals("a", lease.instanceId());
    await(ledger(0).release(lease, Outcome.SUCCESS, null));
  }

  @Test
  void reconfigureKeepsLeases() {
    configure(List.of(inst("a", 1)), 10);
    Lease lease = await(ledger(0).acquire(req(5, 5_000)));
    configure(List.of(inst("a", 3), inst("c", 1)), 10);
    assertEquals(1, instance("a").inFlight());
    assertEquals(3, instance("a").maxConcurrency());
    assertEquals(4, snap().capacity());
    await(ledger(0).release(lease, Outcome.SUCCESS, null));
    assertEquals(0, snap().inFlight());
  }

  @Test
  void lostGrantNoticeIsClaimedByThePoll() {
    configure(List.of(inst("a", 1)), 10);
    Lease holder = await(ledger(0).acquire(req(5, 10_000)));
    Future<Lease> waiting = ledger(1).acquire(req(5, 10_000));
    eventually(() -> snap().queued() == 1);
    dropAllGrantNotices(true);
    try {
      await(ledger(0).release(holder, Outcome.SUCCESS, null));
      Lease got = await(waiting);
      assertEquals(ledger(1).nodeId(), got.nodeId());
      assertEquals(0, snap().unclaimedGrants());
      await(ledger(1).release(got, Outcome.SUCCESS, null));
      assertEquals(0, snap().inFlight());
    } finally {
      dropAllGrantNotices(false);
    }
  }

  @Test
  void lostGrantNoticeOfCancelledTicketDoesNotLeakTheSlot() {
    configure(List.of(inst("a", 1)), 10);
    Lease holder = await(ledger(0).acquire(req(5, 10_000)));
    String ticket = UUID.randomUUID().toString();
    Future<Lease> waiting = ledger(1).acquire(req(ticket, 5, 10_000, Set.of()));
    eventually(() -> snap().queued() == 1);
    dropAllGrantNotices(true);
    try {
      await(ledger(0).release(holder, Outcome.SUCCESS, null));
      // the client leaves right away: the cancel takes the unclaimed grant and releases it, unless
      // the claim poll got there first, in which case the request owns the slot and releases it
      await(ledger(1).cancel(pool, ticket));
      if (waiting.succeeded()) {
        await(ledger(1).release(waiting.result(), Outcome.NEUTRAL, null));
      } else {
        assertEquals(ErrorKind.CANCELLED, failure(waiting));
      }
      eventually(() -> snap().inFlight() == 0 && snap().unclaimedGrants() == 0);
    } finally {
      dropAllGrantNotices(false);
    }
  }

  @Test
  void maxRpsHoldsAndWaitingTicketsAreWokenWhenTheWindowFrees() {
    configure(List.of(new InstanceSpec("a", 50, 1, 4, 0)), 100);
    List<Long> grantedAt = Collections.synchronizedList(new ArrayList<>());
    List<Future<Void>> done = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      SlotLedger ledger = ledger(i);
      done.add(ledger.acquire(req(5, 20_000)).compose(lease -> {
        grantedAt.add(System.currentTimeMillis());
        return ledger.release(lease, Outcome.SUCCESS, null);
      }));
    }
    await(Future.all(done));
    List<Long> times = new ArrayList<>(grantedAt);
    Collections.sort(times);
    // 4 per second: batches at 0, 1 s and 2 s — nothing rolls the window but time itself
    assertTrue(times.get(9) - times.get(0) >= 1_800, "10 requests at 4/s took " + (times.get(9) - times.get(0)) + " ms");
    // seen here a little after the store granted them, so the window checked is a bit shorter
    for (long from : times) {
      long inWindow = times.stream().filter(t -> t >= from && t < from + 800).count();
      assertTrue(inWindow <= 4, inWindow + " grants within 800 ms: " + times);
    }
    eventually(() -> snap().inFlight() == 0 && snap().queued() == 0);
  }

  @Test
  void tokensReportedWithTheReleaseCountTowardMaxTpm() {
    configure(Strategy.FIRST_AVAILABLE, List.of(new InstanceSpec("a", 10, 1, 0, 100), inst("b", 10)), 10);
    Lease first = await(ledger(0).acquire(req(5, 5_000)));
    assertEquals("a", first.instanceId());
    await(ledger(0).release(first, Outcome.SUCCESS, null, new CallMetrics(20, 150)));
    Lease next = await(ledger(1).acquire(req(5, 5_000)));
    assertEquals("b", next.instanceId(), "a spent its tokens for this minute, on every node");
    await(ledger(1).release(next, Outcome.SUCCESS, null));
  }

  @Test
  void roundRobinStateIsSharedByEveryNode() {
    configure(Strategy.ROUND_ROBIN, List.of(new InstanceSpec("a", 10, 5), new InstanceSpec("b", 10, 1),
        new InstanceSpec("c", 10, 1)), 10);
    StringBuilder order = new StringBuilder();
    for (int i = 0; i < 7; i++) {
      Lease lease = await(ledger(i).acquire(req(5, 5_000)));
      order.append(lease.instanceId());
      await(ledger(i).release(lease, Outcome.SUCCESS, null));
    }
    assertEquals("aabacaa", order.toString());
  }

  // ------------------------------------------------------------------ borrowing (lend_to)

  @Test
  void aSaturatedPoolsQueueDrainsThroughAnIdleLender() {
    configureLending(List.of(inst("s", 1)), List.of(inst("L", 2)));
    Lease home = await(ledger(0).acquire(req(5, 10_000)));
    assertEquals(pool, home.pool());
    Lease b1 = await(ledger(1).acquire(req(5, 10_000)));
    Lease b2 = await(ledger(0).acquire(req(5, 10_000)));
    for (Lease b : List.of(b1, b2)) {
      assertEquals(lender(), b.pool(), "borrowed: recorded in the lender");
      assertEquals("L", b.instanceId());
    }
    assertEquals(2, snapOf(lender()).inFlight(), "counted against the lender's cap");
    Future<Lease> third = ledger(1).acquire(req(5, 10_000));
    eventually(() -> snap().queued() == 1);
    assertFalse(third.isComplete(), "no cap is exceeded: every instance is full");
    await(ledger(1).release(b1, Outcome.SUCCESS, null));
    Lease b3 = await(third);
    assertEquals(lender(), b3.pool(), "the lender's freed slot went to the borrower's waiting ticket");
    eventually(() -> snap().queued() == 0);
    for (Lease l : List.of(home, b2, b3)) {
      await(ledger(0).release(l, Outcome.SUCCESS, null));
    }
    eventually(() -> snap().inFlight() == 0 && snapOf(lender()).inFlight() == 0
        && snap().unclaimedGrants() == 0 && snapOf(lender()).unclaimedGrants() == 0 && snapOf(lender()).guests() == 0);
  }

  @Test
  void aSlotFreedInTheLenderGoesToItsOwnQueueFirst() {
    configureLending(List.of(inst("s", 1)), List.of(inst("L", 1)));
    Lease home = await(ledger(0).acquire(req(5, 10_000)));
    Lease borrowed = await(ledger(1).acquire(req(5, 10_000)));
    assertEquals(lender(), borrowed.pool());
    Future<Lease> borrower = ledger(0).acquire(req(10, 10_000));
    eventually(() -> snap().queued() == 1 && snapOf(lender()).guests() == 1);
    Future<Lease> own = ledger(1).acquire(lenderReq(0, 10_000));
    eventually(() -> snapOf(lender()).queued() == 1);
    await(ledger(1).release(borrowed, Outcome.SUCCESS, null));
    Lease ownLease = await(own);
    assertEquals(lender(), ownLease.pool());
    assertFalse(borrower.isComplete(), "the lender's own ticket came first, whatever the borrower's priority");
    await(ledger(1).release(ownLease, Outcome.SUCCESS, null));
    Lease lent = await(borrower);
    assertEquals(lender(), lent.pool(), "then the borrower's");
    await(ledger(0).release(lent, Outcome.SUCCESS, null));
    await(ledger(0).release(home, Outcome.SUCCESS, null));
    eventually(() -> snap().inFlight() == 0 && snapOf(lender()).inFlight() == 0);
  }

  @Test
  void aBorrowerGrantedAtHomeLeavesNothingHeldInTheLender() {
    configureLending(List.of(inst("s", 1)), List.of(inst("L", 1)));
    Lease home = await(ledger(0).acquire(req(5, 10_000)));
    Lease lenderOwn = await(ledger(0).acquire(lenderReq(5, 10_000)));
    Future<Lease> waiting = ledger(1).acquire(req(5, 10_000));
    eventually(() -> snap().queued() == 1);
    // both free at once: the ticket waits in both queues, one grant wins, the other is given back
    Future<Void> r1 = ledger(0).release(home, Outcome.SUCCESS, null);
    Future<Void> r2 = ledger(1).release(lenderOwn, Outcome.SUCCESS, null);
    await(Future.all(r1, r2));
    Lease got = await(waiting);
    eventually(() -> snap().inFlight() + snapOf(lender()).inFlight() == 1
        && snap().unclaimedGrants() == 0 && snapOf(lender()).unclaimedGrants() == 0 && snapOf(lender()).guests() == 0);
    await(ledger(1).release(got, Outcome.SUCCESS, null));
    eventually(() -> snap().inFlight() == 0 && snapOf(lender()).inFlight() == 0);
    // nothing of the ticket waits in the lender any more: a new own request there is served at once
    Lease again = await(ledger(0).acquire(lenderReq(5, 1_000)));
    await(ledger(0).release(again, Outcome.SUCCESS, null));
  }

  @Test
  void aBorrowerCancelledOrTimedOutLeavesNoSlotInTheLender() {
    configureLending(List.of(inst("s", 1)), List.of(inst("L", 1)));
    Lease home = await(ledger(0).acquire(req(5, 10_000)));
    Lease lenderOwn = await(ledger(0).acquire(lenderReq(5, 10_000)));
    String ticket = UUID.randomUUID().toString();
    Future<Lease> cancelled = ledger(1).acquire(req(ticket, 5, 10_000, Set.of()));
    Future<Lease> timedOut = ledger(0).acquire(req(5, 400));
    eventually(() -> snap().queued() == 2);
    await(ledger(1).cancel(pool, ticket));
    assertEquals(ErrorKind.CANCELLED, failure(cancelled));
    assertEquals(ErrorKind.QUEUE_TIMEOUT, failure(timedOut));
    eventually(() -> snap().queued() == 0 && snapOf(lender()).guests() == 0);
    await(ledger(0).release(lenderOwn, Outcome.SUCCESS, null));
    await(ledger(0).release(home, Outcome.SUCCESS, null));
    eventually(() -> snap().inFlight() == 0 && snapOf(lender()).inFlight() == 0
        && snapOf(lender()).unclaimedGrants() == 0);
  }

  @Test
  void aLostNoticeOfABorrowedGrantIsClaimedByThePoll() {
    configureLending(List.of(inst("s", 1)), List.of(inst("L", 1)));
    Lease home = await(ledger(0).acquire(req(5, 10_000)));
    Lease lenderOwn = await(ledger(0).acquire(lenderReq(5, 10_000)));
    Future<Lease> waiting = ledger(1).acquire(req(5, 10_000));
    eventually(() -> snap().queued() == 1);
    dropAllGrantNotices(true);
    try {
      await(ledger(0).release(lenderOwn, Outcome.SUCCESS, null));
      Lease got = await(waiting);
      assertEquals(lender(), got.pool());
      assertEquals(ledger(1).nodeId(), got.nodeId());
      await(ledger(1).release(got, Outcome.SUCCESS, null));
    } finally {
      dropAllGrantNotices(false);
    }
    await(ledger(0).release(home, Outcome.SUCCESS, null));
    eventually(() -> snap().inFlight() == 0 && snapOf(lender()).inFlight() == 0 && snap().queued() == 0);
  }

  @Test
  void capsHoldWhileBorrowersAndTheLendersOwnRequestsCompete() {
    configureLending(List.of(inst("s1", 2), inst("s2", 1)), List.of(inst("L1", 2), inst("L2", 1)));
    Map<String, Integer> caps = Map.of("s1", 2, "s2", 1, "L1", 2, "L2", 1);
    Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    caps.keySet().forEach(k -> inFlight.put(k, new AtomicInteger()));
    AtomicInteger worst = new AtomicInteger();
    AtomicInteger borrowed = new AtomicInteger();
    List<Future<Void>> done = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      if (i == 80) {
        // the lender's own requests start competing only once borrowing is under way
        eventually(() -> borrowed.get() > 0);
      }
      SlotLedger ledger = ledger(i);
      int priority = ThreadLocalRandom.current().nextInt(11);
      // the borrower's requests first, so its queue is long when the lender's own start competing
      SlotRequest r = i >= 80 ? lenderReq(priority, 60_000) : req(priority, 60_000);
      done.add(ledger.acquire(r).compose(lease -> {
        if (!lease.pool().equals(r.pool())) {
          borrowed.incrementAndGet();
        }
        int now = inFlight.get(lease.instanceId()).incrementAndGet();
        if (now > caps.get(lease.instanceId())) {
          worst.set(now);
        }
        return vertx().timer(1 + ThreadLocalRandom.current().nextInt(4)).compose(v -> {
          inFlight.get(lease.instanceId()).decrementAndGet();
          return ledger.release(lease, Outcome.SUCCESS, null);
        });
      }));
    }
    await(Future.all(done));
    assertEquals(0, worst.get(), "an instance went above its cap");
    eventually(() -> snap().inFlight() == 0 && snap().queued() == 0 && snapOf(lender()).inFlight() == 0
        && snapOf(lender()).queued() == 0 && snapOf(lender()).unclaimedGrants() == 0
        && snapOf(lender()).guests() == 0);
  }

  // ------------------------------------------------------------------ helpers

  protected SlotLedger ledger(int i) {
    List<? extends SlotLedger> all = ledgers();
    return all.get(i % all.size());
  }

  /** The pool lending to this test's pool. */
  protected String lender() {
    return pool + "-lender";
  }

  /** This test's pool (the borrower) and {@link #lender()}, which lends it its idle slots. */
  protected void configureLending(List<InstanceSpec> borrower, List<InstanceSpec> lending) {
    PoolSpec b = new PoolSpec(pool, borrower, 100, HealthPolicy.DEFAULT);
    PoolSpec l = new PoolSpec(lender(), lending, 100, HealthPolicy.DEFAULT, Strategy.DEFAULT,
        PoolSpec.DEFAULT_LATENCY_DECAY_MS, List.of(pool));
    for (SlotLedger ledger : ledgers()) {
      await(ledger.configure(List.of(l, b)));
    }
  }

  protected SlotRequest lenderReq(int priority, long waitMs) {
    return new SlotRequest(lender(), UUID.randomUUID().toString(), priority, System.currentTimeMillis() + waitMs,
        Set.of());
  }

  protected PoolSnapshot snapOf(String name) {
    return await(ledger(0).snapshot()).stream().filter(p -> p.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no snapshot of " + name));
  }

  private void dropAllGrantNotices(boolean drop) {
    for (SlotLedger l : ledgers()) {
      ((AbstractSlotLedger) l).dropGrantNotices(g -> drop);
    }
  }

  /** Releases each grant as it comes and returns the order tickets were served in. */
  private List<String> serveInTurn(Map<String, Future<Lease>> waiting) {
    List<String> order = new ArrayList<>();
    while (order.size() < waiting.size()) {
      eventually(() -> waiting.entrySet().stream().anyMatch(e -> !order.contains(e.getKey()) && e.getValue().isComplete()));
      List<String> served = waiting.entrySet().stream()
          .filter(e -> !order.contains(e.getKey()) && e.getValue().isComplete())
          .map(Map.Entry::getKey).toList();
      assertEquals(1, served.size(), "more than one ticket held the only slot: " + served);
      order.add(served.get(0));
      Lease lease = await(waiting.get(served.get(0)));
      await(ledger(0).release(lease, Outcome.SUCCESS, null));
    }
    return order;
  }

  protected void configure(List<InstanceSpec> instances, int queueMax) {
    configure(instances, queueMax, HealthPolicy.DEFAULT);
  }

  protected void configure(Strategy strategy, List<InstanceSpec> instances, int queueMax) {
    apply(new PoolSpec(pool, instances, queueMax, HealthPolicy.DEFAULT, strategy, PoolSpec.DEFAULT_LATENCY_DECAY_MS));
  }

  protected void configure(List<InstanceSpec> instances, int queueMax, HealthPolicy policy) {
    apply(new PoolSpec(pool, instances, queueMax, policy));
  }

  private void apply(PoolSpec spec) {
    for (SlotLedger l : ledgers()) {
      await(l.configure(List.of(spec)));
    }
  }

  protected static InstanceSpec inst(String id, int cap) {
    return new InstanceSpec(id, cap, 1);
  }

  protected SlotRequest req(int priority, long waitMs) {
    return req(UUID.randomUUID().toString(), priority, waitMs, Set.of());
  }

  protected SlotRequest req(String ticketId, int priority, long waitMs, Set<String> excluded) {
    return new SlotRequest(pool, ticketId, priority, System.currentTimeMillis() + waitMs, excluded);
  }

  protected PoolSnapshot snap() {
    return await(ledger(0).snapshot()).stream().filter(p -> p.name().equals(pool)).findFirst()
        .orElseThrow(() -> new AssertionError("no snapshot of " + pool));
  }

  private InstanceSnapshot instance(String id) {
    return snap().instances().stream().filter(i -> i.id().equals(id)).findFirst()
        .orElseThrow(() -> new AssertionError("no instance " + id));
  }

  protected static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new AssertionError("failed: " + e.getCause(), e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  protected static ErrorKind failure(Future<?> f) {
    try {
      f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      assertNotNull(e.getCause());
      assertTrue(e.getCause() instanceof GatewayException, "not a GatewayException: " + e.getCause());
      return GatewayException.kindOf(e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    fail("expected a failure, got " + f.result());
    return null;
  }

  protected static void eventually(BooleanSupplier condition) {
    long until = System.currentTimeMillis() + 10_000;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > until) {
        fail("condition not met within 10 s");
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}

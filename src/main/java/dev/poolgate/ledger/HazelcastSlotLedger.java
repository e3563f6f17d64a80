package dev.poolgate.ledger;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.poolgate.ErrorKind;
import dev.poolgate.GatewayException;
import dev.poolgate.cluster.GatewayMembers;
import dev.poolgate.ledger.hazelcast.LeasesHeld;
import dev.poolgate.ledger.hazelcast.PoolOps;
import dev.poolgate.ledger.hazelcast.PoolProcessor;
import dev.poolgate.scheduling.Admission;
import dev.poolgate.scheduling.AllotmentAnswer;
import dev.poolgate.scheduling.AllotmentSync;
import dev.poolgate.scheduling.CallMetrics;
import dev.poolgate.scheduling.Drained;
import dev.poolgate.scheduling.Grant;
import dev.poolgate.scheduling.Lease;
import dev.poolgate.scheduling.Outcome;
import dev.poolgate.scheduling.PoolSnapshot;
import dev.poolgate.scheduling.PoolSpec;
import dev.poolgate.scheduling.PoolState;
import dev.poolgate.scheduling.Ticket;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The ledger of a cluster: one {@code IMap} entry per pool holding its {@link PoolState}, changed
 * only by the entry processors of {@link PoolOps}, so caps are global and exact without CP.
 *
 * <p>Crash safety: when a member leaves, every survivor purges its leases, tickets and grants
 * (idempotent); after any membership change each node drops strangers' entries and re-asserts
 * the leases it holds. Lease expiry is the last backstop.
 *
 * <p>Store trouble (unreachable, minority side of a split, time-out) fails an operation with
 * {@code STORE_UNAVAILABLE}; an admission then keeps retrying until the ticket's deadline. The
 * ledger never admits without the store.
 */
public final class HazelcastSlotLedger extends AbstractSlotLedger {
  private static final Logger log = LoggerFactory.getLogger(HazelcastSlotLedger.class);

  public static final String MAP_NAME = "poolgate-pools";
  /** Each node consumes grant notices for its tickets at this prefix + its node id. */
  public static final String GRANT_ADDRESS_PREFIX = "poolgate.ledger.grant.";
  /** A store operation not answered within this is store trouble. */
  public static final long DEFAULT_OP_TIMEOUT_MS = 5_000;

  private final HazelcastInstance hz;
  private final IMap<String, PoolState> map;
  private final long opTimeoutMs;
  private final Context context;
  /** Every pool this node configured, in config order; its last spec rebuilds a lost entry. */
  private final Map<String, PoolSpec> specs = new ConcurrentHashMap<>();
  private volatile List<String> poolOrder = List.of();
  private MessageConsumer<JsonObject> grantConsumer;
  private MessageConsumer<String> rebuiltConsumer;
  private MessageConsumer<String> recallConsumer;
  private UUID membershipRegistration;
  /** Stalls, quorum loss and merges that may have cost this node its leases. */
  private final LeaseWatch leaseWatch;
  /** Set once the pools are recorded in the store (a node without quorum is not ready until then). */
  private volatile boolean configured;

  private HazelcastSlotLedger(Vertx vertx, HazelcastInstance hz, IMap<String, PoolState> map, LedgerOptions options,
                              long opTimeoutMs) {
    super(vertx, GatewayMembers.nodeId(hz.getCluster().getLocalMember()), options, true);
    this.hz = hz;
    this.map = map;
    this.opTimeoutMs = opTimeoutMs;
    this.context = vertx.getOrCreateContext();
    this.leaseWatch = new LeaseWatch(context, hz, held(), this::recordedLeases, this::leasesLost,
        this::loseAllUnits, this::verifyHeldNow);
  }

  /** Creates the ledger of this member and starts listening for grants and membership changes. */
  public static Future<HazelcastSlotLedger> create(Vertx vertx, HazelcastInstance hz, LedgerOptions options) {
    return create(vertx, hz, options, DEFAULT_OP_TIMEOUT_MS);
  }

  public static Future<HazelcastSlotLedger> create(Vertx vertx, HazelcastInstance hz, LedgerOptions options,
                                                   long opTimeoutMs) {
    // creating a distributed object's proxy may wait on the cluster: off the event loop
    return vertx.executeBlocking(() -> hz.<String, PoolState>getMap(MAP_NAME))
        .compose(map -> {
          HazelcastSlotLedger ledger = new HazelcastSlotLedger(vertx, hz, map, options, opTimeoutMs);
          return ledger.start().map(ledger);
        });
  }

  /** Published with a pool's name when a ticket queues there while nodes hold allotted units. */
  static final String RECALL_ADDRESS = "poolgate.ledger.recall";

  /** Published with a pool's name when its entry had to be rebuilt: every node re-records its leases and tickets. */
  static final String REBUILT_ADDRESS = "poolgate.ledger.rebuilt";
  /** How long after a rebuild the waiting tickets are queued again, once the leases are back. */
  static final long REBUILT_READMIT_DELAY_MS = 500;

  /** The event-bus address where a node receives notices of grants to its tickets. */
  public static String grantAddress(String nodeId) {
    return GRANT_ADDRESS_PREFIX + nodeId;
  }

  private Future<Void> start() {
    grantConsumer = vertx.eventBus().consumer(grantAddress(nodeId()), msg ->
        onGrantNotice(msg.body().getString("pool"), msg.body().getString("ticketId")));
    rebuiltConsumer = vertx.eventBus().consumer(REBUILT_ADDRESS, msg -> {
      retainAndReassert();
      // tickets only after every node has had time to put its leases back: a ticket admitted into
      // the empty rebuilt entry first could take a slot a lease in flight still holds
      vertx.setTimer(REBUILT_READMIT_DELAY_MS, id -> readmitWaiting(msg.body()));
    });
    recallConsumer = vertx.eventBus().consumer(RECALL_ADDRESS, msg -> recalled(msg.body()));
    membershipRegistration = hz.getCluster().addMembershipListener(new Membership());
    startTimers();
    leaseWatch.start();
    return Future.all(grantConsumer.completion(), rebuiltConsumer.completion(), recallConsumer.completion())
        .mapEmpty();
  }

  // ------------------------------------------------------------------ SlotLedger

  @Override
  public Future<Void> configure(List<PoolSpec> pools) {
    learnLending(pools);
    long now = System.currentTimeMillis();
    List<String> order = new ArrayList<>(poolOrder);
    List<Future<List<Grant>>> ops = new ArrayList<>();
    for (PoolSpec spec : pools) {
      specs.put(spec.name(), spec);
      if (!order.contains(spec.name())) {
        order.add(spec.name());
      }
      ops.add(run(spec.name(), new PoolOps.Configure(spec, now)).onSuccess(this::deliver));
    }
    poolOrder = List.copyOf(order);
    return Future.all(ops).<Void>mapEmpty().onSuccess(v -> configured = true);
  }

  /**
   * Ready to admit: the pools are recorded, this node sees a quorum of gateway members, and it is
   * not settling after a stall.
   */
  @Override
  public boolean available() {
    return configured && leaseWatch.quorumPresent() && !leaseWatch.fenced();
  }

  @Override
  protected boolean admitsLocally() {
    return !leaseWatch.fenced() && leaseWatch.quorumPresent();
  }

  /**
   * The ids of the leases the store records for this node in a pool. A pool without an entry says
   * nothing about them (the next operation rebuilds it and re-records them): that is a failure.
   */
  private Future<Set<String>> recordedLeases(String pool) {
    return store(() -> map.submitToKey(pool, new LeasesHeld(nodeId()))).compose(answer -> answer instanceof List<?> ids
        ? Future.succeededFuture(ids.stream().map(String::valueOf).collect(Collectors.toSet()))
        : Future.failedFuture(ErrorKind.STORE_UNAVAILABLE.exception("pool '" + pool + "' has no entry")));
  }

  @Override
  public Future<List<PoolSnapshot>> snapshot() {
    List<String> names = poolOrder;
    return store(() -> map.submitToKeys(Set.copyOf(names), new PoolOps.Snapshot(System.currentTimeMillis())))
        .map(answers -> names.stream()
            .map(answers::get)
            .map(PoolProcessor::answerOf)
            .filter(PoolSnapshot.class::isInstance)
            .map(PoolSnapshot.class::cast)
            .toList());
  }

  /** Releases what this node still holds, then stops listening: run before leaving the cluster. */
  @Override
  public Future<Void> close() {
    leaseWatch.stop();
    return super.close()
        .compose(v -> Future.join(new ArrayList<>(held().values()).stream()
            .map(l -> release(l, Outcome.NEUTRAL, null))
            .toList()))
        .transform(ar -> {
          if (ar.failed()) {
            log.warn("some slots could not be released on close (survivors purge them when this node leaves): {}",
                ar.cause().toString());
          }
          try {
            hz.getCluster().removeMembershipListener(membershipRegistration);
          } catch (RuntimeException e) {
            log.debug("membership listener not removed, the member is gone: {}", e.toString());
          }
          return Future.join(grantConsumer.unregister(), rebuiltConsumer.unregister(), recallConsumer.unregister())
              .<Void>mapEmpty().recover(e -> Future.succeededFuture());
        });
  }

  // ------------------------------------------------------------------ store operations

  @Override
  protected Future<Admission> admitOp(String pool, Ticket ticket, long leaseTtlMs) {
    return run(pool, new PoolOps.Admit(ticket, System.currentTimeMillis(), leaseTtlMs,
        ThreadLocalRandom.current().nextLong()));
  }

  @Override
  protected Future<Admission> lendOp(String lender, String borrower, Ticket ticket, long leaseTtlMs) {
    return run(lender, new PoolOps.Lend(borrower, ticket, System.currentTimeMillis(), leaseTtlMs,
        ThreadLocalRandom.current().nextLong()));
  }

  @Override
  protected Future<Grant> cancelOp(String pool, String ticketId) {
    return run(pool, new PoolOps.Cancel(ticketId));
  }

  @Override
  protected Future<Grant> claimOp(String pool, String ticketId) {
    return run(pool, new PoolOps.Claim(ticketId));
  }

  @Override
  protected Future<List<Grant>> claimAllOp(String pool, String nodeId) {
    return run(pool, new PoolOps.ClaimAll(nodeId));
  }

  /**
   * Releases are retried through store trouble for as long as the lease could live: a release
   * that never lands would hold the slot until its expiry. Retrying is safe, release is idempotent.
   */
  @Override
  protected Future<Drained> releaseOp(Lease lease, Outcome outcome, String error, CallMetrics metrics,
                                      long leaseTtlMs) {
    return releaseUntil(lease, outcome, error, metrics, leaseTtlMs, System.currentTimeMillis() + leaseTtlMs,
        STORE_RETRY_MIN_MS);
  }

  private Future<Drained> releaseUntil(Lease lease, Outcome outcome, String error, CallMetrics metrics,
                                       long leaseTtlMs, long until, long backoffMs) {
    return run(lease.pool(), new PoolOps.Release(lease, outcome, error, metrics, System.currentTimeMillis(),
        leaseTtlMs))
        .recover(e -> GatewayException.kindOf(e) == ErrorKind.STORE_UNAVAILABLE && memberRunning()
            && System.currentTimeMillis() + backoffMs < until
            ? vertx.timer(backoffMs).compose(v -> releaseUntil(lease, outcome, error, metrics, leaseTtlMs, until,
                Math.min(backoffMs * 2, STORE_RETRY_MAX_MS)))
            : Future.failedFuture(e));
  }

  @Override
  protected Future<Drained> probeOp(String pool, String instanceId, boolean ok, String error, long leaseTtlMs) {
    return run(pool, new PoolOps.Probe(instanceId, ok, error, System.currentTimeMillis(), leaseTtlMs));
  }

  @Override
  protected Future<Drained> drainOp(String pool, long leaseTtlMs) {
    return run(pool, new PoolOps.Drain(System.currentTimeMillis(), leaseTtlMs, ThreadLocalRandom.current().nextLong()));
  }

  @Override
  protected Future<List<String>> renewOp(String pool, List<String> leaseIds, long until) {
    return run(pool, new PoolOps.Renew(nodeId(), leaseIds, until));
  }

  @Override
  protected Future<AllotmentAnswer> syncOp(String pool, AllotmentSync sync, long leaseTtlMs) {
    return run(pool, new PoolOps.Sync(sync, System.currentTimeMillis(), leaseTtlMs,
        ThreadLocalRandom.current().nextLong()));
  }

  @Override
  protected void recall(String pool) {
    vertx.eventBus().publish(RECALL_ADDRESS, pool);
  }

  @Override
  protected Future<List<Grant>> sweepOp(long now) {
    return forEachPool(pool -> run(pool, new PoolOps.Sweep(now, options.ticketGraceMs(), options.leaseTtlMs())));
  }

  @Override
  protected void notifyRemote(Grant grant) {
    vertx.eventBus().send(grantAddress(grant.ticket().nodeId()),
        new JsonObject().put("pool", grant.lease().pool()).put("ticketId", grant.ticket().ticketId()));
  }

  // ------------------------------------------------------------------ membership

  /**
   * Hazelcast calls it on its event thread; the work is handed to the ledger's context. Only
   * gateway members hold leases: an application member coming or going changes nothing here.
   */
  private final class Membership implements MembershipListener {
    @Override
    public void memberAdded(MembershipEvent event) {
      if (GatewayMembers.isGateway(event.getMember())) {
        context.runOnContext(v -> retainAndReassert());
      }
    }

    @Override
    public void memberRemoved(MembershipEvent event) {
      if (!GatewayMembers.isGateway(event.getMember())) {
        return;
      }
      String dead = GatewayMembers.nodeId(event.getMember());
      context.runOnContext(v -> {
        leaseWatch.membersChanged();
        purge(dead).onComplete(ar -> retainAndReassert());
      });
    }
  }

  /** Drops a dead member's leases, tickets and grants in every pool, and hands the slots on. */
  private Future<List<Grant>> purge(String deadNode) {
    long now = System.currentTimeMillis();
    return forEachPool(pool -> run(pool, new PoolOps.PurgeNode(deadNode, now, options.leaseTtlMs())))
        .onSuccess(grants -> {
          log.info("member {} left: purged it from {} pools, {} queued tickets granted", deadNode,
              poolOrder.size(), grants.size());
          deliver(grants);
        })
        .onFailure(e -> log.warn("purging member {} failed (RetainNodes and lease expiry follow): {}", deadNode,
            e.toString()));
  }

  /**
   * Purges every node that is no longer a member, then re-records this node's leases in case the
   * entries lost them. A lease released while its re-assertion was under way is released again,
   * so a re-assertion never resurrects a slot.
   */
  private void retainAndReassert() {
    Set<String> members;
    try {
      members = GatewayMembers.nodeIds(hz.getCluster());
    } catch (RuntimeException e) {
      log.debug("no member list, the member is shutting down: {}", e.toString());
      return;
    }
    long now = System.currentTimeMillis();
    for (String pool : poolOrder) {
      List<Lease> mine = held().values().stream().filter(l -> l.pool().equals(pool)).toList();
      run(pool, new PoolOps.RetainNodes(members, now, options.leaseTtlMs()))
          .onSuccess(this::deliver)
          .compose(g -> mine.isEmpty() ? Future.succeededFuture(0) : run(pool, new PoolOps.Reassert(specs.get(pool), mine)))
          .onSuccess(added -> mine.stream()
              .filter(l -> !held().containsKey(l.leaseId()))
              .forEach(l -> releaseOp(l, Outcome.NEUTRAL, null, CallMetrics.NONE, options.leaseTtlMs())
                  .onSuccess(drained -> delivered(pool, drained))))
          .onFailure(e -> log.warn("re-asserting leases in pool {} failed (lease expiry is the backstop): {}", pool,
              e.toString()));
    }
  }

  // ------------------------------------------------------------------ plumbing

  private Future<List<Grant>> forEachPool(java.util.function.Function<String, Future<List<Grant>>> op) {
    List<Future<List<Grant>>> ops = poolOrder.stream().map(op).toList();
    return Future.all(ops).map(all -> {
      List<Grant> grants = new ArrayList<>();
      ops.forEach(f -> grants.addAll(f.result()));
      return grants;
    });
  }

  /**
   * Runs one processor on one pool's entry. A pool this node configured whose entry is gone (its
   * owner and backup died together, e.g. while partitions were still migrating) is rebuilt from
   * its spec and the operation runs again; every node is told ({@link #REBUILT_ADDRESS}),
   * re-records its leases in it ({@link #retainAndReassert}) and queues its waiting tickets there
   * again ({@link #readmitWaiting}).
   */
  @SuppressWarnings("unchecked")
  private <T> Future<T> run(String pool, PoolProcessor<T> op) {
    if (!(op instanceof PoolOps.Release) && (leaseWatch.fenced() || !leaseWatch.quorumPresent())) {
      // releases always go through (idempotent, they free slots); nothing else is trusted now
      return Future.failedFuture(ErrorKind.STORE_UNAVAILABLE.exception(leaseWatch.fenced()
          ? "this node is rejoining the cluster after it stood still"
          : "this node does not see a quorum of gateway members (POOLGATE_HZ_MIN_CLUSTER_SIZE)"));
    }
    return store(() -> map.submitToKey(pool, op)).map(PoolProcessor::answerOf).compose(answer -> {
      if (!(answer instanceof PoolProcessor.Missing)) {
        return Future.succeededFuture((T) answer);
      }
      PoolSpec spec = specs.get(pool);
      if (spec == null) {
        return Future.failedFuture(ErrorKind.MODEL_NOT_FOUND.exception("unknown pool '" + pool + "'"));
      }
      log.warn("the entry of pool {} was lost from the cluster store: rebuilding it and re-recording leases", pool);
      return store(() -> map.submitToKey(pool, new PoolOps.Configure(spec, System.currentTimeMillis())))
          .compose(created -> {
            vertx.eventBus().publish(REBUILT_ADDRESS, pool);
            return store(() -> map.submitToKey(pool, op)).map(PoolProcessor::answerOf);
          })
          .compose(again -> again instanceof PoolProcessor.Missing
              ? Future.failedFuture(ErrorKind.STORE_UNAVAILABLE.exception("pool '" + pool + "' has no entry in the cluster store"))
              : Future.succeededFuture((T) again));
    });
  }

  /** Calls the store without blocking; any failure of the store itself becomes STORE_UNAVAILABLE. */
  private <T> Future<T> store(java.util.function.Supplier<CompletionStage<T>> call) {
    Context ctx = Vertx.currentContext() != null ? Vertx.currentContext() : context;
    Future<T> answer;
    try {
      answer = Future.fromCompletionStage(call.get(), ctx);
    } catch (RuntimeException e) {
      // e.g. HazelcastInstanceNotActiveException, thrown before any stage exists
      answer = Future.failedFuture(e);
    }
    return answer.timeout(opTimeoutMs, TimeUnit.MILLISECONDS).recover(e -> Future.failedFuture(storeTrouble(e)));
  }

  private static Throwable storeTrouble(Throwable e) {
    if (e instanceof GatewayException) {
      return e;
    }
    log.debug("cluster store operation failed: {}", e.toString());
    return ErrorKind.STORE_UNAVAILABLE.exception("cluster store unavailable: " + e.getClass().getSimpleName()
        + (e.getMessage() != null ? ": " + e.getMessage() : ""));
  }

  /** False once this node's member shut down or was killed: its store calls can never succeed. */
  private boolean memberRunning() {
    return hz.getLifecycleService().isRunning();
  }
}

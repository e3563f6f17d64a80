package dev.poolgate.keys;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import dev.poolgate.cluster.GatewayMembers;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.poolgate.ErrorKind;
import dev.poolgate.GatewayException;
import dev.poolgate.keys.hazelcast.KeyOps;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The key limiter of a cluster: one {@code IMap} entry per client key holding its
 * {@link KeyUsage}, changed only by the entry processors of {@link KeyOps}, so a key's limits
 * hold across all nodes together.
 *
 * <p>Crash safety as for the slot ledger: permits are recorded per owning node; when a member
 * leaves every survivor drops its permits (idempotent), and after any membership change each node
 * drops the permits of nodes that are no longer members.
 *
 * <p>Store trouble fails closed: an acquire that cannot reach the store is refused with
 * {@code STORE_UNAVAILABLE} (503); a release is retried while the node lives.
 */
public final class HazelcastKeyLimiter extends AbstractKeyLimiter {
  private static final Logger log = LoggerFactory.getLogger(HazelcastKeyLimiter.class);
  public static final String MAP_NAME = "poolgate-client-keys";
  /** A store operation not answered within this is store trouble. */
  public static final long OP_TIMEOUT_MS = 5_000;
  /** How long a release keeps trying through store trouble. */
  static final long RELEASE_RETRY_MS = 60_000;
  private static final long RETRY_MIN_MS = 50;
  private static final long RETRY_MAX_MS = 1_000;

  private final Vertx vertx;
  private final HazelcastInstance hz;
  private final IMap<String, KeyUsage> map;
  private final Context context;
  private UUID membershipRegistration;

  private HazelcastKeyLimiter(Vertx vertx, HazelcastInstance hz, IMap<String, KeyUsage> map) {
    super(GatewayMembers.nodeId(hz.getCluster().getLocalMember()));
    this.vertx = vertx;
    this.hz = hz;
    this.map = map;
    this.context = vertx.getOrCreateContext();
  }

  /** Creates this member's limiter and starts following membership changes. */
  public static Future<HazelcastKeyLimiter> create(Vertx vertx, HazelcastInstance hz) {
    // creating a distributed object's proxy may wait on the cluster: off the event loop
    return vertx.executeBlocking(() -> hz.<String, KeyUsage>getMap(MAP_NAME)).map(map -> {
      HazelcastKeyLimiter limiter = new HazelcastKeyLimiter(vertx, hz, map);
      limiter.membershipRegistration = hz.getCluster().addMembershipListener(limiter.new Membership());
      return limiter;
    });
  }

  @Override
  protected Future<Refusal> acquireOp(KeyPermit permit, KeyLimits limits, long now) {
    return store(() -> map.submitToKey(permit.key(),
        new KeyOps.Acquire(permit.nodeId(), permit.permitId(), limits, now))).map(Refusal.class::cast);
  }

  @Override
  protected Future<Void> releaseOp(KeyPermit permit, long tokensUsed, long now) {
    return releaseUntil(permit, tokensUsed, now + RELEASE_RETRY_MS, RETRY_MIN_MS);
  }

  /** A release that never lands would hold the permit while this node lives: retry, it is idempotent. */
  private Future<Void> releaseUntil(KeyPermit permit, long tokensUsed, long until, long backoffMs) {
    return store(() -> map.submitToKey(permit.key(),
        new KeyOps.Release(permit.nodeId(), permit.permitId(), tokensUsed, System.currentTimeMillis())))
        .<Void>mapEmpty()
        .recover(e -> hz.getLifecycleService().isRunning() && System.currentTimeMillis() + backoffMs < until
            ? vertx.timer(backoffMs).compose(v -> releaseUntil(permit, tokensUsed, until,
                Math.min(backoffMs * 2, RETRY_MAX_MS)))
            : Future.failedFuture(e))
        .onFailure(e -> log.warn("releasing a permit of client key '{}' failed (dropped when this node leaves): {}",
            permit.key(), e.toString()));
  }

  @Override
  public Future<Integer> inFlight(String key) {
    return store(() -> map.submitToKey(key, new KeyOps.InFlight())).map(Integer.class::cast);
  }

  @Override
  public Future<Void> close() {
    try {
      hz.getCluster().removeMembershipListener(membershipRegistration);
    } catch (RuntimeException e) {
      log.debug("membership listener not removed, the member is gone: {}", e.toString());
    }
    return Future.succeededFuture();
  }

  // ------------------------------------------------------------------ membership

  /** Hazelcast calls it on its event thread; the work runs on the limiter's context. */
  private final class Membership implements MembershipListener {
    @Override
    public void memberAdded(MembershipEvent event) {
      context.runOnContext(v -> retain());
    }

    @Override
    public void memberRemoved(MembershipEvent event) {
      if (!GatewayMembers.isGateway(event.getMember())) {
        return;
      }
      String dead = GatewayMembers.nodeId(event.getMember());
      context.runOnContext(v -> onAllKeys(new KeyOps.PurgeNodes(Set.of(dead), System.currentTimeMillis()))
          .onSuccess(n -> log.info("member {} left: dropped its {} client key permits", dead, n))
          .onFailure(e -> log.warn("dropping the client key permits of member {} failed: {}", dead, e.toString()))
          .onComplete(ar -> retain()));
    }
  }

  /** Drops the permits of every node that is no longer a member (one missed by an event). */
  private void retain() {
    Set<String> members;
    try {
      members = GatewayMembers.nodeIds(hz.getCluster());
    } catch (RuntimeException e) {
      log.debug("no member list, the member is shutting down: {}", e.toString());
      return;
    }
    onAllKeys(new KeyOps.RetainNodes(members, System.currentTimeMillis()))
        .onFailure(e -> log.warn("dropping the client key permits of departed members failed: {}", e.toString()));
  }

  /** Runs a processor on every key's entry (membership changes only: it walks the whole map). */
  private Future<Integer> onAllKeys(KeyOps.KeyProcessor<Integer> op) {
    return vertx.executeBlocking(() -> {
      Map<String, Object> answers = map.executeOnEntries(op);
      return answers.values().stream().mapToInt(a -> a instanceof Integer n ? n : 0).sum();
    }, false);
  }

  // ------------------------------------------------------------------ plumbing

  /** Calls the store without blocking; any failure of the store itself becomes STORE_UNAVAILABLE. */
  private <T> Future<T> store(Supplier<CompletionStage<T>> call) {
    Context ctx = Vertx.currentContext() != null ? Vertx.currentContext() : context;
    Future<T> answer;
    try {
      answer = Future.fromCompletionStage(call.get(), ctx);
    } catch (RuntimeException e) {
      answer = Future.failedFuture(e);
    }
    return answer.timeout(OP_TIMEOUT_MS, TimeUnit.MILLISECONDS).recover(e -> Future.failedFuture(
        e instanceof GatewayException ? e : ErrorKind.STORE_UNAVAILABLE.exception(
            "cluster store unavailable for client key limits: " + e.getClass().getSimpleName())));
  }
}

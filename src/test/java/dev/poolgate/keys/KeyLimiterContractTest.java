package dev.poolgate.keys;

import dev.poolgate.ErrorKind;
import dev.poolgate.GatewayException;
import dev.poolgate.config.ClientKeyConfig;
import dev.poolgate.testing.Await;
import io.vertx.core.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.poolgate.testing.Await.await;
import static dev.poolgate.testing.Await.awaitFailure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every {@link KeyLimiter} must do, whatever its store. Subclasses give one or more limiters
 * on one store; requests alternate over them, so in a cluster they come from different members
 * and the limits must hold across them. Each test uses a key of its own.
 */
public abstract class KeyLimiterContractTest {
  private static final AtomicInteger KEYS = new AtomicInteger();

  protected String name;

  /** The limiters under test, all on one store. */
  protected abstract List<? extends KeyLimiter> limiters();

  @BeforeEach
  void newKey() {
    name = "key-" + KEYS.incrementAndGet();
  }

  protected KeyLimiter limiter(int i) {
    return limiters().get(i % limiters().size());
  }

  protected ClientKeyConfig key(int maxRps, long maxTpm, int maxConcurrency) {
    return new ClientKeyConfig(name, ClientKeyConfig.sha256(name + "-secret-0123456789"), Set.of(), 0, 10,
        maxRps, maxTpm, maxConcurrency, null);
  }

  private static GatewayException refusal(Future<?> f) {
    Throwable t = awaitFailure(f);
    assertTrue(t instanceof GatewayException, "a GatewayException, got " + t);
    return (GatewayException) t;
  }

  // ------------------------------------------------------------------ cases

  @Test
  void concurrencyIsSharedAndFreedByRelease() {
    ClientKeyConfig key = key(0, 0, 2);
    KeyPermit a = await(limiter(0).acquire(key));
    KeyPermit b = await(limiter(1).acquire(key));
    assertEquals(2, await(limiter(0).inFlight(name)));
    GatewayException refused = refusal(limiter(0).acquire(key));
    assertEquals(ErrorKind.RATE_LIMITED, refused.kind());
    assertTrue(refused.getMessage().contains("max_concurrency"), refused.getMessage());
    assertTrue(refused.retryAfterSeconds() >= 1);
    refusal(limiter(1).acquire(key));
    await(limiter(1).release(a, 0));
    KeyPermit c = await(limiter(1).acquire(key));
    await(limiter(0).release(b, 0));
    await(limiter(0).release(c, 0));
    assertEquals(0, await(limiter(1).inFlight(name)));
  }

  @Test
  void releaseIsIdempotent() {
    ClientKeyConfig key = key(0, 0, 2);
    KeyPermit a = await(limiter(0).acquire(key));
    KeyPermit b = await(limiter(1).acquire(key));
    await(limiter(0).release(a, 0));
    await(limiter(1).release(a, 0));
    assertEquals(1, await(limiter(0).inFlight(name)), "a second release of one permit frees nothing more");
    await(limiter(1).release(b, 0));
    assertEquals(0, await(limiter(0).inFlight(name)));
  }

  @Test
  void neverAboveTheLimitUnderConcurrentAcquires() {
    ClientKeyConfig key = key(0, 0, 5);
    List<Future<KeyPermit>> all = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      all.add(limiter(i).acquire(key));
    }
    await(Future.join(all).otherwiseEmpty());
    List<KeyPermit> granted = all.stream().filter(Future::succeeded).map(Future::result).toList();
    assertEquals(5, granted.size());
    all.stream().filter(Future::failed)
        .forEach(f -> assertEquals(ErrorKind.RATE_LIMITED, GatewayException.kindOf(f.cause())));
    assertEquals(5, await(limiter(1).inFlight(name)));
    for (int i = 0; i < granted.size(); i++) {
      await(limiter(i).release(granted.get(i), 0));
    }
    assertEquals(0, await(limiter(0).inFlight(name)));
  }

  @Test
  void rpsRefusesWithinTheSecondAndAdmitsAfter() {
    ClientKeyConfig key = key(3, 0, 0);
    List<KeyPermit> held = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      held.add(await(limiter(i).acquire(key)));
    }
    for (KeyPermit p : held) {
      await(limiter(0).release(p, 0), java.time.Duration.ofSeconds(5));
    }
    long refusedAt = System.currentTimeMillis();
    GatewayException refused = refusal(limiter(1).acquire(key));
    assertEquals(ErrorKind.RATE_LIMITED, refused.kind());
    assertTrue(refused.getMessage().contains("max_rps"), refused.getMessage());
    assertEquals(1, refused.retryAfterSeconds());
    Await.until("the window slides", () -> limiter(0).acquire(key)
        .compose(p -> limiter(0).release(p, 0).map(true))
        .otherwise(false).toCompletionStage().toCompletableFuture().join());
    assertTrue(System.currentTimeMillis() - refusedAt <= 1_500, "admitted again within the second");
  }

  @Test
  void tpmRefusesOnceTheMinutesTokensAreSpent() {
    ClientKeyConfig key = key(0, 100, 0);
    KeyPermit a = await(limiter(0).acquire(key));
    KeyPermit b = await(limiter(1).acquire(key));
    await(limiter(0).release(a, 60));
    KeyPermit c = await(limiter(1).acquire(key));
    await(limiter(1).release(b, 50));
    GatewayException refused = refusal(limiter(0).acquire(key));
    assertTrue(refused.getMessage().contains("max_tpm"), refused.getMessage());
    assertTrue(refused.retryAfterSeconds() >= 1 && refused.retryAfterSeconds() <= 60,
        "Retry-After " + refused.retryAfterSeconds());
    await(limiter(0).release(c, 0));
  }

  @Test
  void aKeyWithoutLimitsTakesNothing() {
    ClientKeyConfig key = key(0, 0, 0);
    KeyPermit p = await(limiter(0).acquire(key));
    assertFalse(p.counted());
    assertEquals(0, await(limiter(1).inFlight(name)));
    await(limiter(1).release(p, 1_000_000));
  }

  @Test
  void newLimitsApplyToTheNextRequest() {
    KeyPermit a = await(limiter(0).acquire(key(0, 0, 1)));
    refusal(limiter(1).acquire(key(0, 0, 1)));
    KeyPermit b = await(limiter(1).acquire(key(0, 0, 2)));
    await(limiter(0).release(a, 0));
    await(limiter(0).release(b, 0));
    assertEquals(0, await(limiter(0).inFlight(name)));
  }
}

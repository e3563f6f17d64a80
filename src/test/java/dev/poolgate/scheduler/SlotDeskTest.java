package dev.poolgate.scheduler;

import dev.poolgate.ErrorKind;
import dev.poolgate.GatewayException;
import dev.poolgate.bus.Ask;
import dev.poolgate.bus.Bus;
import dev.poolgate.ledger.LedgerOptions;
import dev.poolgate.ledger.LocalSlotLedger;
import dev.poolgate.ledger.SlotRequest;
import dev.poolgate.scheduling.HealthPolicy;
import dev.poolgate.scheduling.InstanceSpec;
import dev.poolgate.scheduling.Lease;
import dev.poolgate.scheduling.PoolSpec;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static dev.poolgate.testing.Await.await;
import static dev.poolgate.testing.Await.awaitFailure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A slot asked of a desk over the bus: answered through the ask, and never left held when nobody can take it. */
@ExtendWith(VertxExtension.class)
class SlotDeskTest {

  @Test
  void aGrantNobodyCanTakeGoesBackAndAFailureKeepsItsKind(Vertx vertx) {
    Bus.registerCodecs(vertx, List.of(Ask.class));
    LocalSlotLedger ledger = new LocalSlotLedger(vertx, LedgerOptions.DEFAULT);
    try {
      await(ledger.configure(List.of(new PoolSpec("p", List.of(new InstanceSpec("a", 1, 1)), 10,
          HealthPolicy.DEFAULT))));
      List<MessageConsumer<?>> consumers = new ArrayList<>();
      SlotDeskVerticle.serve(vertx.eventBus(), ledger, "desk-test", "desk-test.cancel", "desk-test.release",
          consumers);
      await(io.vertx.core.Future.all(consumers.stream().map(MessageConsumer::completion).toList()));

      // an asker whose answer is already settled: the lease the ledger granted must go back
      Promise<Lease> settled = Promise.promise();
      settled.fail("the asker gave up");
      vertx.eventBus().send("desk-test", new Ask<>(request("t1"), settled), Bus.LOCAL);
      assertTrue(awaitInFlight(ledger, 0), "the unclaimed lease was released");

      // the slot is free again: the next asker gets it through its ask
      Lease lease = await(Ask.<SlotRequest, Lease>send(vertx.eventBus(), "desk-test", request("t2")));
      assertEquals("a", lease.instanceId());

      // no slot left and no time to wait: the failure arrives with its kind
      Throwable t = awaitFailure(Ask.<SlotRequest, Lease>send(vertx.eventBus(), "desk-test",
          new SlotRequest("p", "t3", 0, System.currentTimeMillis() + 50, Set.of())));
      assertEquals(ErrorKind.QUEUE_TIMEOUT, GatewayException.kindOf(t));
    } finally {
      await(ledger.close());
    }
  }

  @Test
  void anAskNobodyListensForFailsAtOnce(Vertx vertx) {
    Bus.registerCodecs(vertx, List.of(Ask.class));
    Throwable t = awaitFailure(Ask.<SlotRequest, Lease>send(vertx.eventBus(), "no-desk-here", request("t0")));
    assertEquals(ErrorKind.INTERNAL, GatewayException.kindOf(t));
    assertTrue(t.getMessage().contains("no-desk-here"), t.getMessage());
  }

  private static SlotRequest request(String ticket) {
    return new SlotRequest("p", ticket, 0, System.currentTimeMillis() + 5_000, Set.of());
  }

  /** Whether the pool's in-flight count reaches {@code n} within 5 s. */
  private static boolean awaitInFlight(LocalSlotLedger ledger, int n) {
    long deadline = System.currentTimeMillis() + 5_000;
    while (System.currentTimeMillis() < deadline) {
      int inFlight = await(ledger.snapshot()).get(0).instances().get(0).inFlight();
      if (inFlight == n) {
        return true;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }
}

package dev.poolgate.bus;

import dev.poolgate.ErrorKind;
import dev.poolgate.GatewayException;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static dev.poolgate.testing.Await.await;
import static dev.poolgate.testing.Await.awaitFailure;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Failures keep their kind across the bus, by name: reordering or adding kinds changes nothing on the wire. */
@ExtendWith(VertxExtension.class)
class BusTest {

  @Test
  void everyKindCrossesTheBusByName(Vertx vertx) {
    for (ErrorKind kind : ErrorKind.values()) {
      MessageConsumer<String> consumer = vertx.eventBus().localConsumer("bus-test",
          msg -> Bus.fail(msg, kind.exception("it failed | with a bar")));
      await(consumer.completion());
      Throwable t = awaitFailure(vertx.eventBus().request("bus-test", "x", Bus.local(5_000)).recover(Bus::unwrap));
      assertEquals(kind, GatewayException.kindOf(t));
      assertEquals("it failed | with a bar", t.getMessage());
      await(consumer.unregister());
    }
  }

  @Test
  void anUnknownKindNameOrNoneIsInternal() {
    assertEquals(ErrorKind.INTERNAL, Bus.recipientFailure("FROM_A_NEWER_NODE|what").kind());
    assertEquals("FROM_A_NEWER_NODE|what", Bus.recipientFailure("FROM_A_NEWER_NODE|what").getMessage());
    assertEquals(ErrorKind.INTERNAL, Bus.recipientFailure("no kind at all").kind());
    assertEquals(ErrorKind.QUEUE_TIMEOUT, Bus.recipientFailure("QUEUE_TIMEOUT|late").kind());
  }
}

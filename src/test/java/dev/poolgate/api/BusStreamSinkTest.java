package dev.poolgate.api;

import dev.poolgate.dispatch.Served;
import dev.poolgate.testing.Await;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.WriteStream;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import static dev.poolgate.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The event-bus stream sink has one owner context: writes from another event loop only queue,
 * chunks leave in order within the credit, and a consumer that stops granting credit is told to
 * the request on the owner's context.
 */
@ExtendWith(VertxExtension.class)
class BusStreamSinkTest {

  @Test
  void writesFromAnotherLoopLeaveInOrderAndAStallReachesTheOwnerOnItsContext(Vertx vertx) {
    List<JsonObject> received = new CopyOnWriteArrayList<>();
    await(vertx.eventBus().<JsonObject>consumer("sink-test", msg -> {
      if (BusProtocol.CHUNK.equals(msg.headers().get(BusProtocol.KIND))) {
        received.add(msg.body());
      }
    }).completion());
    Context owner = ((VertxInternal) vertx).createEventLoopContext();
    Context writer = ((VertxInternal) vertx).createEventLoopContext();
    AtomicReference<BusStreamSink> sink = new AtomicReference<>();
    AtomicReference<Context> closedOn = new AtomicReference<>();
    Promise<Void> ready = Promise.promise();
    owner.runOnContext(v -> {
      BusStreamSink s = new BusStreamSink(vertx, "sink-test", 2, 300);
      s.onClose(() -> closedOn.set(Vertx.currentContext()));
      sink.set(s);
      s.listen().onComplete(ready);
    });
    await(ready.future());
    Promise<Void> written = Promise.promise();
    writer.runOnContext(v -> {
      WriteStream<Buffer> out = sink.get().open(new Served("r1", "p", "i", 1, false), null);
      for (int i = 0; i < 5; i++) {
        out.write(Buffer.buffer("data: {\"n\":" + i + "}\n\n"));
      }
      written.complete();
    });
    await(written.future());
    Await.until("two chunks (the credit) went out", () -> received.size() == 2);
    assertEquals(List.of(0, 1), received.stream().map(c -> c.getInteger("n")).toList(), "in order");
    Await.until("the stalled consumer was taken for gone", () -> closedOn.get() != null);
    assertSame(owner, closedOn.get(), "the request learned it on the sink's owner context");
    assertTrue(sink.get().closed());
    assertEquals(2, received.size(), "nothing past the credit");
  }
}

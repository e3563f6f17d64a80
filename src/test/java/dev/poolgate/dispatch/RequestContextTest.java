package dev.poolgate.dispatch;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.poolgate.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A request's steps run on its context: at once from its own event loop, queued from any other thread. */
class RequestContextTest {
  private Vertx vertx;
  private Context owner;
  /** Another verticle's context on the same (only) event loop: the slot desk or the provider beside the request. */
  private Context neighbour;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    owner = ((VertxInternal) vertx).createEventLoopContext();
    neighbour = ((VertxInternal) vertx).createEventLoopContext();
  }

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  @Test
  void aStepFromTheOwnContextRunsAtOnce() {
    RequestContext steps = new RequestContext(owner);
    Promise<List<String>> seen = Promise.promise();
    owner.runOnContext(v -> {
      List<String> order = new ArrayList<>();
      steps.run(() -> order.add("step"));
      order.add("after run");
      seen.complete(order);
    });
    assertEquals(List.of("step", "after run"), await(seen.future()));
  }

  @Test
  void aStepFromAnotherContextOnTheSameLoopRunsAtOnceOnTheRequestsContext() {
    RequestContext steps = new RequestContext(owner);
    Promise<List<Object>> seen = Promise.promise();
    neighbour.runOnContext(v -> {
      List<Object> order = new ArrayList<>();
      steps.run(() -> {
        order.add("step");
        order.add(Vertx.currentContext());
      });
      order.add("after run");
      order.add(Vertx.currentContext());
      seen.complete(order);
    });
    List<Object> order = await(seen.future());
    // a queued step would run after the neighbour's task, not inside it
    assertEquals("step", order.get(0));
    assertSame(owner, order.get(1), "the step runs with the request's context current");
    assertEquals("after run", order.get(2));
    assertSame(neighbour, order.get(3), "the caller's context is current again afterwards");
  }

  @Test
  void stepsFromAnotherThreadRunInOrderOnTheRequestsContext() {
    RequestContext steps = new RequestContext(owner);
    Promise<List<Object>> seen = Promise.promise();
    List<Object> order = new ArrayList<>();
    steps.run(() -> order.add("first"));
    steps.run(() -> {
      order.add("second");
      order.add(Vertx.currentContext());
      order.add(Thread.currentThread().getName());
      seen.complete(order);
    });
    List<Object> got = await(seen.future());
    assertEquals(List.of("first", "second"), got.subList(0, 2));
    assertSame(owner, got.get(2), "queued steps run with the request's context current");
    assertNotSame(Thread.currentThread().getName(), got.get(3));
    assertTrue(((String) got.get(3)).contains("eventloop"), "ran on " + got.get(3));
  }
}

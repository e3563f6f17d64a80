package dev.poolgate.bus;

import dev.poolgate.ErrorKind;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.EventBus;

/**
 * A question sent to a node-local verticle over the event bus that carries its own answer: the
 * verticle completes {@link #answer}, the asker reads the future. For the hops every request makes
 * (a slot from the desk, a call from the provider) to a verticle on its own event loop: a bus
 * request/reply would register a reply handler and arm a time-out timer for each, and cancel both,
 * about as much work as the hop itself. The question still goes through the bus (the verticle is
 * found by its address, as before); the asker bounds its own wait where that matters (the queue
 * deadline, the upstream time budget).
 *
 * @param question what is asked (passed by reference: local delivery only)
 * @param answer   completed once by the verticle, with the answer or the failure
 */
public record Ask<Q, A>(Q question, Promise<A> answer) {

  /**
   * Sends {@code question} to {@code address} on this node; the future completes with the answer,
   * or fails at once ({@code INTERNAL}) when no verticle listens there (a node shutting down), as a
   * bus request would: an ask nobody received is never left waiting.
   */
  public static <Q, A> Future<A> send(EventBus bus, String address, Q question) {
    Promise<A> answer = Promise.promise();
    bus.<Ask<Q, A>>sender(address, Bus.LOCAL).write(new Ask<>(question, answer))
        .onFailure(e -> answer.tryFail(ErrorKind.INTERNAL.exception("nobody answers at " + address + ": "
            + e.getMessage())));
    return answer.future();
  }
}

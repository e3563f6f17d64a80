package dev.poolgate.bus;

import io.netty.channel.EventLoop;
import io.vertx.core.Context;
import io.vertx.core.internal.ContextInternal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Event-bus addresses per event loop for one kind of node-local verticle that runs an instance on
 * every loop (providers, slot desks): a caller sends to the instance on its own loop, so the
 * message, its answer and what follows stay on one thread; on a loop without one, to the shared
 * address, served by any instance.
 */
public final class LoopAddresses {
  private final String shared;
  /** Event loops with an instance, with how many (gateways sharing a Vert.x share them). */
  private final Map<EventLoop, Integer> served = new ConcurrentHashMap<>();
  /** Each loop's address, made once; event loops are never shared between Vert.x instances. */
  private final Map<EventLoop, String> names = new ConcurrentHashMap<>();
  private final AtomicInteger count = new AtomicInteger();

  public LoopAddresses(String shared) {
    this.shared = shared;
  }

  /** The address every instance also consumes. */
  public String shared() {
    return shared;
  }

  /** Records an instance starting on this context's loop; returns the loop's own address. */
  public String serve(Context context) {
    EventLoop loop = loop(context);
    served.merge(loop, 1, Integer::sum);
    return name(loop);
  }

  /** Records that an instance on this context's loop stopped. */
  public void leave(Context context) {
    served.computeIfPresent(loop(context), (l, n) -> n > 1 ? n - 1 : null);
  }

  /** Where a caller on this context sends: its own loop's instance, or the shared address. */
  public String addressFor(Context context) {
    EventLoop loop = loop(context);
    return served.containsKey(loop) ? name(loop) : shared;
  }

  /** How many instances run on the loop. */
  public int on(EventLoop loop) {
    return served.getOrDefault(loop, 0);
  }

  private String name(EventLoop loop) {
    return names.computeIfAbsent(loop, l -> shared + ".loop-" + count.incrementAndGet());
  }

  private static EventLoop loop(Context context) {
    return ((ContextInternal) context).nettyEventLoop();
  }
}

package dev.poolgate.scheduler;

import dev.poolgate.bus.Ask;
import dev.poolgate.bus.Bus;
import dev.poolgate.bus.LoopAddresses;
import dev.poolgate.ledger.SlotLedger;
import dev.poolgate.ledger.SlotRequest;
import dev.poolgate.scheduling.Lease;
import dev.poolgate.scheduling.Outcome;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The scheduler's desk on one event loop: takes slot requests, cancels and releases from the
 * requests running on that loop and hands them to the node's one {@link SlotLedger} (thread-safe),
 * so taking and giving back a slot costs no hand-off to another thread. One instance runs on every
 * event loop ({@link #DESKS}); {@link SchedulerVerticle} owns the ledger (configuration, probes,
 * snapshots, closing) and serves the shared addresses for callers on a loop without a desk.
 */
public final class SlotDeskVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(SlotDeskVerticle.class);
  /** The acquire address of each loop with a desk; its cancel and release addresses derive from it. */
  static final LoopAddresses DESKS = new LoopAddresses(Bus.ACQUIRE);

  private final SlotLedger ledger;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();

  public SlotDeskVerticle(SlotLedger ledger) {
    this.ledger = ledger;
  }

  @Override
  public Future<?> start() {
    String acquire = DESKS.serve(context);
    serve(vertx.eventBus(), ledger, acquire, cancelAddress(acquire), releaseAddress(acquire), consumers);
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  @Override
  public Future<?> stop() {
    DESKS.leave(context);
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList());
  }

  /** Where a caller on this context asks for a slot: its own loop's desk, or the shared address. */
  static String acquireAddress(Context context) {
    return DESKS.addressFor(context);
  }

  /** How many desks run on each event loop (of every Vert.x in this JVM). */
  public static int perLoop(io.netty.channel.EventLoop loop) {
    return DESKS.on(loop);
  }

  static String cancelAddress(String acquireAddress) {
    return acquireAddress.equals(Bus.ACQUIRE) ? Bus.CANCEL : acquireAddress + ".cancel";
  }

  static String releaseAddress(String acquireAddress) {
    return acquireAddress.equals(Bus.ACQUIRE) ? Bus.RELEASE : acquireAddress + ".release";
  }

  /** The consumers of one desk, on the given addresses (a loop's own, or the shared ones). */
  static void serve(EventBus bus, SlotLedger ledger, String acquire, String cancel, String release,
                    List<MessageConsumer<?>> into) {
    into.add(bus.<Ask<SlotRequest, Lease>>localConsumer(acquire, msg -> grant(ledger, msg.body())));
    into.add(bus.<Notes.Cancel>localConsumer(cancel, msg ->
        ledger.cancel(msg.body().pool(), msg.body().ticketId())
            .onFailure(e -> log.warn("cancel of ticket {} failed: {}", msg.body().ticketId(), e.toString()))));
    into.add(bus.<Notes.Release>localConsumer(release, msg -> {
      Notes.Release r = msg.body();
      ledger.release(r.lease(), r.outcome(), r.error(), r.metrics())
          .onFailure(e -> log.warn("release of lease {} failed (its expiry reclaims it): {}",
              r.lease().leaseId(), e.toString()));
    }));
  }

  /**
   * Hands the ledger's answer to the requester. A requester that stopped waiting meanwhile (its
   * request ended) gives a late lease straight back itself; one that could not take it at all
   * (completed already) would leave it held, so it goes back here.
   */
  private static void grant(SlotLedger ledger, Ask<SlotRequest, Lease> ask) {
    Future<Lease> answer;
    try {
      answer = ledger.acquire(ask.question());
    } catch (RuntimeException e) {
      answer = Future.failedFuture(e);
    }
    answer.onComplete(ar -> {
      if (ar.succeeded()) {
        if (!ask.answer().tryComplete(ar.result())) {
          ledger.release(ar.result(), Outcome.NEUTRAL, null);
        }
      } else {
        ask.answer().tryFail(ar.cause());
      }
    });
  }
}

package dev.poolgate.console;

import dev.poolgate.bus.BusNodes;

import dev.poolgate.config.GatewayConfig;
import dev.poolgate.config.InstanceConfig;
import dev.poolgate.http.KeyMask;
import dev.poolgate.http.StatusReport;
import dev.poolgate.protocol.SseEvent;
import dev.poolgate.scheduler.SchedulerClient;
import dev.poolgate.scheduling.PoolSnapshot;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The console's push route behind {@code /console/stream}: once a second, while anyone watches,
 * one view of the cluster is computed — the ledger's snapshot (as {@code /health/detailed} reports
 * it), the members, and the last seconds of every node's {@link ConsoleSeries} summed — and the
 * same bytes are written to every subscriber. A subscriber that joined since the last tick first
 * gets the whole 15 minutes. A subscriber whose connection still holds unsent bytes
 * ({@code writeQueueFull}) when the next view is ready is closed: a slow reader costs at most one
 * write queue, never an unbounded buffer.
 *
 * <p>Every node answers for its own series on {@link #address(String)}; the node serving a page
 * asks every member, and a member that does not answer within {@value #GATHER_TIMEOUT_MS} ms is
 * shown as missing.
 */
public final class ConsoleHub {
  private static final Logger log = LoggerFactory.getLogger(ConsoleHub.class);
  /** Followed by the node id: where a node answers for its series. */
  public static final String ADDRESS_PREFIX = "poolgate.console.series.";
  public static final long TICK_MS = 1_000;
  public static final long GATHER_TIMEOUT_MS = 800;
  /** Seconds of lines in each tick: a tick missed by a slow gather is filled by the next. */
  public static final int TICK_SECONDS = 5;
  /** Bytes a subscriber's connection may hold unsent before it counts as full. */
  public static final int WRITE_QUEUE_BYTES = 256 * 1024;
  /** Connected consoles at most per node; more are turned away with 503. */
  public static final int MAX_SUBSCRIBERS = 2_000;

  private final Vertx vertx;
  private final Supplier<GatewayConfig> config;
  private final BooleanSupplier ready;
  private final ConsoleSeries series;
  private final SchedulerClient scheduler;
  private final MemberRoster roster = new MemberRoster();
  private final long startedAt = System.currentTimeMillis();
  /** Subscribers, and whether each still waits for its history. */
  private final Map<HttpServerResponse, AtomicBoolean> subscribers = new ConcurrentHashMap<>();
  private final AtomicBoolean ticking = new AtomicBoolean();
  private MessageConsumer<JsonObject> consumer;
  private long timer = -1;

  public ConsoleHub(Vertx vertx, Supplier<GatewayConfig> config, BooleanSupplier ready, ConsoleSeries series) {
    this.vertx = vertx;
    this.config = config;
    this.ready = ready;
    this.series = series;
    this.scheduler = new SchedulerClient(vertx);
  }

  public static String address(String nodeId) {
    return ADDRESS_PREFIX + nodeId;
  }

  /** Answers for this node's series and starts the ticker (from the console verticle's context). */
  public Future<Void> start() {
    consumer = vertx.eventBus().consumer(address(BusNodes.self(vertx)), this::answer);
    timer = vertx.setPeriodic(TICK_MS, id -> tick());
    return consumer.completion();
  }

  public Future<Void> stop() {
    vertx.cancelTimer(timer);
    subscribers.keySet().forEach(r -> r.reset());
    subscribers.clear();
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  public int subscribers() {
    return subscribers.size();
  }

  /** Opens an event stream on the response and adds it to the subscribers. */
  public void subscribe(HttpServerResponse response) {
    if (subscribers.size() >= MAX_SUBSCRIBERS) {
      response.setStatusCode(503).putHeader(HttpHeaders.RETRY_AFTER, "5")
          .end("too many consoles connected to this node\n");
      return;
    }
    response.setChunked(true).setWriteQueueMaxSize(WRITE_QUEUE_BYTES)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .putHeader("x-accel-buffering", "no");
    response.closeHandler(v -> subscribers.remove(response));
    response.exceptionHandler(e -> subscribers.remove(response));
    // a comment line, so the client sees the stream open before the first view
    response.write(": poolgate console\n\n");
    subscribers.put(response, new AtomicBoolean(true));
  }

  // ------------------------------------------------------------------ one view per second

  private void tick() {
    if (subscribers.isEmpty() || !ticking.compareAndSet(false, true)) {
      return;
    }
    long now = System.currentTimeMillis();
    long last = Math.floorDiv(now, 1000) - 1;
    boolean history = subscribers.values().stream().anyMatch(AtomicBoolean::get);
    long from = last - (history ? ConsoleSeries.SECONDS : TICK_SECONDS) + 1;
    GatewayConfig cfg = config.get();
    Future<List<PoolSnapshot>> snapshot = scheduler.snapshot();
    Future<Gathered> gathered = gather(from, last);
    Future.join(snapshot, gathered).onComplete(ar -> {
      try {
        if (snapshot.succeeded() && gathered.succeeded()) {
          publish(cfg, now, last, history, snapshot.result(), gathered.result());
        } else {
          Throwable cause = snapshot.failed() ? snapshot.cause() : gathered.cause();
          publishToAll(SseEvent.named("failure", new JsonObject().put("message", String.valueOf(cause.getMessage()))
              .encode()), null);
        }
      } catch (RuntimeException e) {
        log.warn("console view failed: {}", e.toString());
      } finally {
        ticking.set(false);
      }
    });
  }

  private void publish(GatewayConfig cfg, long now, long last, boolean history, List<PoolSnapshot> pools,
                       Gathered g) {
    ClusterSeries sum = new ClusterSeries();
    cfg.pools().keySet().forEach(sum::pool);
    g.seconds.forEach(sum::add);
    JsonObject view = view(cfg, now, pools, g);
    long from = last - TICK_SECONDS + 1;
    view.put("series", SeriesJson.lines(from, sum.lines(from, last)));
    Buffer tick = SseEvent.named("view", view.encode());
    Buffer full = null;
    if (history) {
      long start = last - ConsoleSeries.SECONDS + 1;
      full = SseEvent.named("history", SeriesJson.lines(start, sum.lines(start, last)).encode());
    }
    publishToAll(tick, full);
  }

  /** Writes the view to every subscriber (the history first to those that wait for it); drops the full ones. */
  private void publishToAll(Buffer view, Buffer history) {
    for (Map.Entry<HttpServerResponse, AtomicBoolean> e : subscribers.entrySet()) {
      HttpServerResponse r = e.getKey();
      try {
        if (r.writeQueueFull()) {
          drop(r, "it reads slower than the views come");
          continue;
        }
        if (history != null && e.getValue().compareAndSet(true, false)) {
          r.write(history);
        }
        r.write(view);
      } catch (IllegalStateException closed) {
        // closed between its close handler and this write
        drop(r, closed.getMessage());
      }
    }
  }

  private void drop(HttpServerResponse r, String why) {
    subscribers.remove(r);
    log.debug("console subscriber dropped: {}", why);
    r.reset();
  }

  /** The live figures: pools and instances as /health/detailed has them, with drain, key label, borrowing. */
  private JsonObject view(GatewayConfig cfg, long now, List<PoolSnapshot> pools, Gathered g) {
    JsonObject health = new StatusReport(cfg, pools).detailedHealth(ready.getAsBoolean()).body();
    Map<String, PoolSnapshot> byName = new LinkedHashMap<>();
    pools.forEach(p -> byName.put(p.name(), p));
    for (Object o : health.getJsonArray("pools")) {
      JsonObject pool = (JsonObject) o;
      PoolSnapshot snap = byName.get(pool.getString("name"));
      var spec = cfg.pools().get(pool.getString("name"));
      pool.put("guests", snap == null ? 0 : snap.guests())
          .put("lent", snap == null ? 0 : snap.lent())
          .put("lend_to", spec == null ? new JsonArray() : new JsonArray(spec.lendTo()))
          .put("fallback", spec == null ? null : spec.fallback());
      for (Object io : pool.getJsonArray("instances")) {
        JsonObject i = (JsonObject) io;
        InstanceConfig inst = cfg.instances().get(i.getString("id"));
        i.put("drained", inst != null && inst.drained()).put("key", inst == null ? null : KeyMask.label(inst));
      }
    }
    JsonArray memberList = new JsonArray();
    for (MemberRoster.Member m : roster.update(g.current, g.answered, now)) {
      memberList.add(new JsonObject().put("node_id", m.nodeId()).put("address", m.address())
          .put("state", m.state().name().toLowerCase()).put("started_at", m.startedAtMillis())
          .put("uptime_ms", m.uptimeMillis(now)).put("left_at", m.leftAtMillis() == 0 ? null : m.leftAtMillis())
          .put("self", m.nodeId().equals(BusNodes.self(vertx))));
    }
    return health.put("now", now).put("node", BusNodes.self(vertx)).put("members", memberList);
  }

  // ------------------------------------------------------------------ the cluster's series

  /** The members asked, what each said of itself, and the seconds of those that answered. */
  private record Gathered(Set<String> current, Map<String, MemberRoster.Info> answered,
                          List<Map<Long, Map<String, PoolSecond>>> seconds) {}

  private Future<Gathered> gather(long from, long to) {
    Set<String> current = new java.util.LinkedHashSet<>(BusNodes.all(vertx));
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(GATHER_TIMEOUT_MS);
    JsonObject ask = new JsonObject().put("from", from).put("to", to);
    List<Future<Message<JsonObject>>> answers = new ArrayList<>();
    for (String node : current) {
      answers.add(vertx.eventBus().request(address(node), ask, options));
    }
    return Future.join(answers).transform(ignored -> {
      Map<String, MemberRoster.Info> answered = new LinkedHashMap<>();
      List<Map<Long, Map<String, PoolSecond>>> seconds = new ArrayList<>();
      for (Future<Message<JsonObject>> a : answers) {
        if (a.succeeded()) {
          JsonObject body = a.result().body();
          answered.put(body.getString("node"), new MemberRoster.Info(body.getString("node"),
              body.getString("address"), body.getLong("started_at", 0L)));
          seconds.add(SeriesJson.seconds(body.getJsonObject("seconds")));
        }
      }
      return Future.succeededFuture(new Gathered(current, answered, seconds));
    });
  }

  /** This node's seconds in the asked range, and what it says of itself. */
  private void answer(Message<JsonObject> msg) {
    long from = msg.body().getLong("from", 0L);
    long to = msg.body().getLong("to", 0L);
    var server = config.get().server();
    msg.reply(new JsonObject().put("node", BusNodes.self(vertx)).put("address", server.host() + ":" + server.port())
        .put("started_at", startedAt).put("seconds", SeriesJson.seconds(series.range(from, to))));
  }
}

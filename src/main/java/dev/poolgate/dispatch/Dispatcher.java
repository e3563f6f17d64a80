package dev.poolgate.dispatch;

import dev.poolgate.cache.CacheKey;
import dev.poolgate.cache.CachingSink;
import dev.poolgate.cache.CompletionReplay;
import dev.poolgate.cache.ResponseCache;
import dev.poolgate.ErrorKind;
import dev.poolgate.GatewayException;
import dev.poolgate.bus.Bus;
import dev.poolgate.config.CacheConfig;
import dev.poolgate.metrics.AccessLog;
import dev.poolgate.metrics.GatewayMetrics;
import dev.poolgate.metrics.RequestTrace;
import dev.poolgate.config.GatewayConfig;
import dev.poolgate.provider.ChunkStream;
import dev.poolgate.provider.Protocol;
import dev.poolgate.provider.ProviderClient;
import dev.poolgate.provider.RequestRewriter;
import dev.poolgate.provider.UpstreamReply;
import dev.poolgate.scheduler.SchedulerClient;
import dev.poolgate.usage.UsageAggregator;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Runs requests through the gateway: the response cache first (where configured), then a slot
 * from the scheduler, a call through the providers, retries on other instances and then the
 * fallback pools, and the answer piped to its sink. The same path serves HTTP, the event-bus API
 * and the library.
 */
public final class Dispatcher {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
  public static final String X_POOLGATE_CACHE = "x-poolgate-cache";
  /** The instance named in answers served from the cache (no instance was used). */
  public static final String CACHE_INSTANCE = "cache";

  private final Vertx vertx;
  private final SchedulerClient scheduler;
  private final ProviderClient providers;
  private final Supplier<GatewayConfig> config;
  private final ResponseCache cache;
  private final GatewayMetrics metrics;
  private final UsageAggregator usage;
  private final LiveRequests live;
  /** The current configuration's routes (a dispatcher serves one event loop; a race only makes them twice). */
  private volatile Routes routes;

  public Dispatcher(Vertx vertx, Supplier<GatewayConfig> config, ResponseCache cache, GatewayMetrics metrics,
                    UsageAggregator usage, LiveRequests live) {
    this.live = live;
    this.metrics = metrics;
    this.usage = usage;
    this.vertx = vertx;
    this.scheduler = new SchedulerClient(vertx);
    this.providers = new ProviderClient(vertx);
    this.config = config;
    this.cache = cache;
  }

  /**
   * Serves one request into the sink, recording into a trace the caller made (with
   * {@link #traceOf}) and may read when the request ends: the client key it noted, the tokens the
   * request used. Completes when the answer is complete (or failed and told to the client); every
   * slot taken on the way has been released by then.
   *
   * @param bypassCache the client said {@code Cache-Control: no-cache}: never answer from the cache
   */
  public Future<Served> dispatch(Job job, ReplySink sink, boolean bypassCache, RequestTrace trace) {
    PayloadLog payloads = config.get().server().logPayloads() ? new PayloadLog(job, sink) : null;
    Future<Served> served;
    try {
      served = serve(job, payloads == null ? sink : payloads.sink(), bypassCache, trace);
    } catch (RuntimeException e) {
      // a bug before the exchange took over: the request still ends here, with its access line
      log.error("request {} failed before its exchange started", job.requestId(), e);
      sink.fail(ErrorKind.INTERNAL.exception("internal error: " + e));
      served = Future.failedFuture(e);
    }
    return served.andThen(ar -> {
      trace.finished(ar.succeeded() ? 200 : GatewayException.kindOf(ar.cause()).status(),
          ar.succeeded() ? null : GatewayException.kindOf(ar.cause()).code());
      metrics.record(trace);
      usage.record(trace);
      AccessLog.write(trace);
      if (payloads != null) {
        payloads.write(trace);
      }
    });
  }

  /**
   * A fresh trace of this request; {@code endpoint} is what the access line's {@code endpoint}
   * says: the HTTP path the client called (as for requests refused before dispatch), or the
   * event-bus address.
   */
  public static RequestTrace traceOf(Job job, String endpoint) {
    return new RequestTrace(job.requestId(), endpoint, job.model(), job.priority());
  }

  private Future<Served> serve(Job job, ReplySink sink, boolean bypassCache, RequestTrace trace) {
    GatewayConfig cfg = config.get();
    CacheConfig cacheConfig = cfg.cacheFor(job.model(), job.pool());
    // the cache keeps chat completions: answers in another protocol are not replayed from it
    if (cacheConfig == null || job.protocol() != Protocol.OPENAI || !CacheKey.cacheable(job.body(), cacheConfig)) {
      return exchange(cfg, job, sink, trace);
    }
    String key = CacheKey.of(job);
    Future<JsonObject> lookup = bypassCache ? Future.succeededFuture()
        : cache.get(job.pool(), key, cacheConfig).otherwise(e -> {
          log.warn("response cache lookup failed, serving as a miss: {}", e.toString());
          return null;
        });
    return lookup.compose(hit -> {
      if (hit != null) {
        trace.cache("hit");
        return replay(job, hit, sink, trace);
      }
      String outcome = bypassCache ? "bypass" : "miss";
      trace.cache(outcome);
      sink.tag(X_POOLGATE_CACHE, outcome);
      CachingSink caching = new CachingSink(sink);
      return exchange(cfg, job, caching, trace).onSuccess(served -> {
        JsonObject completion = caching.completion();
        if (completion != null) {
          cache.put(job.pool(), key, completion, cacheConfig)
              .onFailure(e -> log.warn("storing an answer in the response cache failed: {}", e.toString()));
        }
      });
    });
  }

  private Future<Served> exchange(GatewayConfig cfg, Job job, ReplySink sink, RequestTrace trace) {
    Routes r = Routes.of(cfg, routes);
    routes = r;
    return new Exchange(vertx, scheduler, providers, live, r, job, sink, trace).run();
  }

  /** Serves a cached completion without a slot: as JSON, or replayed as a stream. */
  private Future<Served> replay(Job job, JsonObject completion, ReplySink sink, RequestTrace trace) {
    Served served = new Served(job.requestId(), job.pool(), CACHE_INSTANCE, 0, false);
    trace.acquiring(job.pool());
    trace.granted(CACHE_INSTANCE);
    sink.tag(X_POOLGATE_CACHE, "hit");
    List<Buffer> body = job.stream()
        ? CompletionReplay.events(completion, RequestRewriter.clientWantsUsage(job.body()))
        : List.of(completion.toBuffer());
    ReadStream<Buffer> stream = ChunkStream.replay(vertx.getOrCreateContext(), body);
    UpstreamReply reply = new UpstreamReply() {
      @Override public String contentType() { return job.stream() ? "text/event-stream" : "application/json"; }
      @Override public MultiMap headers() { return MultiMap.caseInsensitiveMultiMap(); }
      @Override public ReadStream<Buffer> body() { return stream; }
      @Override public dev.poolgate.provider.Usage usage() { return new dev.poolgate.provider.Usage(); }
      @Override public void cancel() { }
    };
    return stream.pipeTo(new TappedWriteStream(sink.open(served, reply), b -> trace.firstByte())).map(served);
  }
}

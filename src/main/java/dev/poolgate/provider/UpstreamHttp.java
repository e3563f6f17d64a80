package dev.poolgate.provider;

import dev.poolgate.config.TimeBudget;
import dev.poolgate.timing.LoopDeadlines;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.streams.ReadStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.MalformedURLException;
import java.net.URL;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The HTTP plumbing every adapter of a remote upstream shares, whatever protocol it speaks:
 * sending with the call's abandonment wired to a reset, reading a bounded body, the reply handed
 * to the dispatcher, and what a probe answer means.
 */
final class UpstreamHttp {
  private static final Logger log = LoggerFactory.getLogger(UpstreamHttp.class);
  /** Largest non-stream answer (or error body) accepted. */
  static final long MAX_ANSWER_BYTES = 32L * 1024 * 1024;
  static final CharSequence EVENT_STREAM = HttpHeaders.createOptimized("text/event-stream");
  static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");

  /** Upstream URLs known parsed: far more than a config yields, so a surprise cannot grow it without end. */
  private static final int MAX_KNOWN_URLS = 4096;
  private static final ConcurrentHashMap<String, URL> KNOWN_URLS = new ConcurrentHashMap<>();

  private UpstreamHttp() {
  }

  /**
   * An upstream's absolute URL, for {@code RequestOptions.setAbsoluteURI(URL)}. The few URLs a
   * config yields are parsed once: {@code setAbsoluteURI(String)} parses on every call, about 1.5 µs
   * of a request's work. A malformed URL fails as that method fails.
   */
  static URL url(String absolute) {
    URL known = KNOWN_URLS.get(absolute);
    if (known != null) {
      return known;
    }
    URL parsed;
    try {
      parsed = new URL(absolute);
    } catch (MalformedURLException e) {
      throw new VertxException("Invalid url: " + absolute, e);
    }
    if (KNOWN_URLS.size() < MAX_KNOWN_URLS) {
      KNOWN_URLS.put(absolute, parsed);
    }
    return parsed;
  }

  /** A sent request and its answer, whose body is paused and unread. */
  record Exchange(HttpClientRequest request, HttpClientResponse response) {
    /** Whether the answer's content type is this one (parameters such as charset ignored). */
    boolean contentTypeIs(String type) {
      String ct = response.getHeader(HttpHeaders.CONTENT_TYPE);
      return ct != null && ct.toLowerCase().startsWith(type);
    }

    String contentType() {
      return response.getHeader(HttpHeaders.CONTENT_TYPE);
    }

    /** Reads the whole (bounded) body; a body over the limit resets the request. */
    Future<Buffer> collect(String instance) {
      return UpstreamHttp.collect(response, request, MAX_ANSWER_BYTES, instance);
    }

    /** The reply for the dispatcher; cancelling it resets the upstream request. */
    UpstreamReply reply(String contentType, MultiMap headers, ReadStream<Buffer> body, Usage usage) {
      return UpstreamHttp.reply(contentType, headers, body, null, usage, request::reset);
    }

    /** A JSON answer read whole, for the dispatcher. */
    UpstreamReply whole(MultiMap headers, Buffer body, Usage usage) {
      return UpstreamHttp.reply("application/json", headers, null, body, usage, request::reset);
    }
  }

  /**
   * Sends the request; completes once the status and headers are in, with the body paused. Fails
   * with an {@link UpstreamException}.
   *
   * <p>The instance's {@link TimeBudget} is applied here, the one place that times an upstream
   * call: connect and idle bounds by the client, the first-byte and whole-call bounds by timers
   * that reset the request with an {@link UpstreamTimeoutException}. A call its owner gives up on
   * ({@link ProviderCall#aborted()}) is reset at once, before the owner frees its slot.
   */
  static Future<Exchange> send(Vertx vertx, HttpClient client, RequestOptions options, Buffer body,
                               ProviderCall call) {
    String id = call.instance().id();
    TimeBudget budget = call.instance().budget();
    options.setConnectTimeout(budget.connectMs()).setIdleTimeout(budget.idleMs());
    return client.request(options)
        .recover(e -> Future.failedFuture(UpstreamException.classify(id, e)))
        .compose(req -> {
          call.aborted().onComplete(v -> req.reset());
          // a failure also fails the send below, which handles it; without a handler, Vert.x logs
          // an error for every request reset while its body was still being written
          req.exceptionHandler(e -> log.debug("upstream request to {}: {}", id, e.toString()));
          CallTimer timer = new CallTimer(vertx, req, id, budget);
          return req.send(body)
              .recover(e -> {
                timer.stop();
                return Future.failedFuture(UpstreamException.classify(id, e));
              })
              .map(resp -> {
                resp.pause();
                timer.headIn();
                // the whole call is over when the answer ended, or broke off
                resp.end().onComplete(ar -> timer.stop());
                return new Exchange(req, resp);
              });
        });
  }

  /**
   * The first-byte and whole-call bounds of one call on one timer (a timer per bound would cost
   * every call two): armed for the first byte; if it fires after the head came in, it is armed
   * again for what is left of the whole call. Runs on the provider's context only.
   */
  private static final class CallTimer {
    private final Vertx vertx;
    private final HttpClientRequest request;
    private final String instance;
    private final TimeBudget budget;
    private final long sentAt = System.currentTimeMillis();
    private LoopDeadlines.Deadline timer;
    private boolean headIn;
    private boolean stopped;

    CallTimer(Vertx vertx, HttpClientRequest request, String instance, TimeBudget budget) {
      this.vertx = vertx;
      this.request = request;
      this.instance = instance;
      this.budget = budget;
      this.timer = LoopDeadlines.after(vertx.getOrCreateContext(), budget.firstByteMs(), this::fired);
    }

    void headIn() {
      headIn = true;
    }

    void stop() {
      if (!stopped) {
        stopped = true;
        timer.cancel();
      }
    }

    private void fired() {
      if (stopped) {
        return;
      }
      if (!headIn) {
        stopped = true;
        request.reset(0, new UpstreamTimeoutException(instance, TimeBudget.Bound.FIRST_BYTE, budget.firstByteMs()));
        return;
      }
      long left = sentAt + budget.totalMs() - System.currentTimeMillis();
      if (left > 0) {
        timer = LoopDeadlines.after(vertx.getOrCreateContext(), left, this::fired);
      } else {
        stopped = true;
        request.reset(0, new UpstreamTimeoutException(instance, TimeBudget.Bound.TOTAL, budget.totalMs()));
      }
    }
  }

  /** Sends a probe; a 404 still proves the server is up, bad credentials, throttling and 5xx do not. */
  static Future<Void> probe(HttpClient client, RequestOptions options) {
    return client.request(options)
        .compose(HttpClientRequest::send)
        .compose(resp -> resp.body().compose(b -> {
          int s = resp.statusCode();
          boolean up = s < 500 && s != 401 && s != 403 && s != 429;
          return up ? Future.<Void>succeededFuture() : Future.failedFuture("probe answered " + s);
        }));
  }

  /** Reads a whole (bounded) body; a body over the limit resets the request. */
  static Future<Buffer> collect(HttpClientResponse resp, HttpClientRequest req, long limit, String id) {
    Promise<Buffer> promise = Promise.promise();
    Buffer acc = Buffer.buffer();
    resp.handler(chunk -> {
      if (acc.length() + chunk.length() > limit) {
        req.reset();
        promise.tryFail(UpstreamException.malformed(id, "the answer exceeded " + limit + " bytes"));
      } else {
        acc.appendBuffer(chunk);
      }
    });
    resp.exceptionHandler(e -> promise.tryFail(UpstreamException.classify(id, e)));
    resp.endHandler(v -> promise.tryComplete(acc));
    resp.resume();
    return promise.future();
  }

  /** {@link #collect(HttpClientResponse, HttpClientRequest, long, String)} with the default bound. */
  static Future<Buffer> collect(HttpClientResponse resp, HttpClientRequest req, String id) {
    return collect(resp, req, MAX_ANSWER_BYTES, id);
  }

  static boolean hasType(HttpClientResponse resp, String prefix) {
    String contentType = resp.getHeader(HttpHeaders.CONTENT_TYPE);
    return contentType != null && contentType.toLowerCase().startsWith(prefix);
  }

  /** A whole JSON answer: written to the client in one go ({@link UpstreamReply#whole()}). */
  static UpstreamReply whole(Buffer body, Usage usage, HttpClientRequest req) {
    return reply("application/json", MultiMap.caseInsensitiveMultiMap(), null, body, usage, req::reset);
  }

  static UpstreamReply reply(String contentType, ReadStream<Buffer> body, Usage usage, Runnable cancel) {
    return reply(contentType, MultiMap.caseInsensitiveMultiMap(), body, null, usage, cancel);
  }

  /**
   * @param body  the body as a stream; null with a whole body: replayed from it if a caller asks
   * @param whole the body when it is in memory (see {@link UpstreamReply#whole()}), else null
   */
  private static UpstreamReply reply(String contentType, MultiMap headers, ReadStream<Buffer> body, Buffer whole,
                                     Usage usage, Runnable cancel) {
    return new UpstreamReply() {
      private ReadStream<Buffer> stream = body;

      @Override public String contentType() { return contentType; }
      @Override public MultiMap headers() { return headers; }
      @Override public ReadStream<Buffer> body() {
        if (stream == null) {
          stream = ChunkStream.replay(Vertx.currentContext(), List.of(whole));
        }
        return stream;
      }
      @Override public Buffer whole() { return whole; }
      @Override public Usage usage() { return usage; }
      @Override public void cancel() { cancel.run(); }
    };
  }
}

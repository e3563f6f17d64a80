package dev.poolgate.metrics;

/**
 * What happened to one request, filled in as it goes through the gateway and read once when it
 * ends: by the metrics and by the access log. Times are nanoTime-based durations in ms; -1 means
 * "did not happen".
 */
public final class RequestTrace {
  private final long startNanos = System.nanoTime();
  private final String requestId;
  private final String endpoint;
  private final String model;
  private final int priority;
  private volatile String clientKey;
  private volatile String pool;
  private volatile String instance;
  private volatile int status;
  private volatile String errorCode;
  private volatile int attempts;
  private volatile boolean fallback;
  /** Whether the last slot granted was lent by another pool. */
  private volatile boolean borrowed;
  private volatile String cache;
  private volatile long queueWaitNanos = -1;
  private volatile long upstreamNanos = -1;
  private volatile long firstByteNanos = -1;
  private volatile long totalNanos = -1;
  private volatile int tokensIn;
  private volatile int tokensOut;
  private volatile long acquireStart;
  private volatile long callStart;
  private volatile long firstCallStart = -1;

  public RequestTrace(String requestId, String endpoint, String model, int priority) {
    this.requestId = requestId;
    this.endpoint = endpoint;
    this.model = model;
    this.priority = priority;
  }

  // ------------------------------------------------------------------ recorded on the way

  /** The name of the client key the request came with (never the key itself); null when open. */
  public void clientKey(String name) {
    this.clientKey = name;
  }

  public void acquiring(String pool) {
    this.pool = pool;
    acquireStart = System.nanoTime();
  }

  /** A slot was granted: the queue wait of this attempt is added to the total wait. */
  public void granted(String instance) {
    granted(instance, false);
  }

  /** @param borrowed whether another pool lent the slot */
  public void granted(String instance, boolean borrowed) {
    this.instance = instance;
    this.borrowed = borrowed;
    queueWaitNanos = Math.max(0, queueWaitNanos) + since(acquireStart);
  }

  public void calling(int attempt, boolean fallback) {
    this.attempts = attempt;
    this.fallback = fallback;
    callStart = System.nanoTime();
    if (firstCallStart < 0) {
      firstCallStart = callStart;
    }
  }

  /** The upstream answered (headers; for non-stream answers, the whole body). */
  public void upstreamAnswered() {
    upstreamNanos = since(callStart);
  }

  /** The first byte of the answer went to the client. */
  public void firstByte() {
    if (firstByteNanos < 0) {
      firstByteNanos = since(startNanos);
    }
  }

  public void usage(int in, int out) {
    tokensIn = in;
    tokensOut = out;
  }

  /** An upstream client error went back as it came: its status is the request's. */
  public void passedThrough(int upstreamStatus) {
    this.status = upstreamStatus;
  }

  public void cache(String outcome) {
    cache = outcome;
  }

  /** The request ended: with a status of its own unless an upstream status was passed through. */
  public void finished(int status, String errorCode) {
    if (this.status == 0) {
      this.status = status;
    }
    this.errorCode = errorCode;
    totalNanos = since(startNanos);
  }

  private static long since(long start) {
    return System.nanoTime() - start;
  }

  // ------------------------------------------------------------------ read at the end

  public String clientKey() { return clientKey; }
  public String requestId() { return requestId; }
  public String endpoint() { return endpoint; }
  public String model() { return model; }
  public int priority() { return priority; }
  public String pool() { return pool; }
  public String instance() { return instance; }
  public int status() { return status; }
  public String errorCode() { return errorCode; }
  public int attempts() { return attempts; }
  public boolean fallback() { return fallback; }
  public boolean borrowed() { return borrowed; }
  public String cacheOutcome() { return cache; }
  public long queueWaitNanos() { return queueWaitNanos; }
  public long upstreamNanos() { return upstreamNanos; }
  public long firstByteNanos() { return firstByteNanos; }
  public long totalNanos() { return totalNanos; }
  public int tokensIn() { return tokensIn; }
  public int tokensOut() { return tokensOut; }

  /**
   * What the gateway itself added: the time from the request's arrival to its first upstream call,
   * less the time it waited for a slot (parsing, routing, scheduling, the hops between verticles).
   * -1 if no upstream call was made (cache hits, early errors).
   */
  public long addedNanos() {
    if (firstCallStart < 0) {
      return -1;
    }
    return Math.max(0, firstCallStart - startNanos - Math.max(0, queueWaitNanos));
  }
}

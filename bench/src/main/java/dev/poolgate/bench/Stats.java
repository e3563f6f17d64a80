package dev.poolgate.bench;

import io.vertx.core.json.JsonObject;
import io.vertx.core.http.HttpClosedException;
import java.net.ConnectException;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import org.HdrHistogram.Histogram;

/** Results of one phase on one driver (single-threaded while recording); merged across drivers afterwards. */
final class Stats {
  /** Up to 10 minutes in microseconds at 3 significant digits: anything slower is clamped, never lost. */
  private static final long MAX_US = 600_000_000L;

  final Histogram latency = new Histogram(MAX_US, 3);
  final Histogram ttfb = new Histogram(MAX_US, 3);
  /** How late the pacer thread handed each open-loop request to its event loop: the generator's own error bar. */
  final Histogram schedLag = new Histogram(MAX_US, 3);
  final Map<String, Long> errorKinds = new TreeMap<>();
  long okCount;
  long okInWindow; // closed loop: answers completed before the deadline, the basis of req/s
  long errors;
  long unfinished; // still in flight when the hard stop hit; reported as errors
  long bytes;
  long startNs;
  long endNs;
  /** With {@code --trace}: each answered request's intended start and latency (ns), in the order answered. */
  final TraceLog trace;

  Stats() {
    this(false);
  }

  Stats(boolean traced) {
    trace = traced ? new TraceLog() : null;
  }

  /** Two growing arrays of longs: no object per request, so tracing does not load the generator's heap. */
  static final class TraceLog {
    long[] startNs = new long[1024];
    long[] latencyNs = new long[1024];
    int size;

    void add(long start, long latency) {
      if (size == startNs.length) {
        startNs = java.util.Arrays.copyOf(startNs, size * 2);
        latencyNs = java.util.Arrays.copyOf(latencyNs, size * 2);
      }
      startNs[size] = start;
      latencyNs[size++] = latency;
    }

    void addAll(TraceLog o) {
      for (int i = 0; i < o.size; i++) {
        add(o.startNs[i], o.latencyNs[i]);
      }
    }
  }

  static final class BadStatus extends RuntimeException {
    BadStatus(int status) {
      super("status " + status, null, false, false);
    }
  }

  static long clampUs(long nanos) {
    return Math.max(0, Math.min(MAX_US, nanos / 1000));
  }

  long total() {
    return okCount + errors;
  }

  void ok(long intendedNs, long firstByteNs, long endNs, long bodyBytes, boolean inWindow) {
    okCount++;
    if (inWindow) {
      okInWindow++;
    }
    bytes += bodyBytes;
    latency.recordValue(clampUs(endNs - intendedNs));
    if (trace != null && inWindow) {
      trace.add(intendedNs, endNs - intendedNs);
    }
    if (firstByteNs != 0) {
      ttfb.recordValue(clampUs(firstByteNs - intendedNs));
    }
  }

  void error(Throwable t) {
    errors++;
    errorKinds.merge(kind(t), 1L, Long::sum);
  }

  private static String kind(Throwable t) {
    if (t instanceof BadStatus) {
      return t.getMessage();
    } else if (t instanceof TimeoutException
        || String.valueOf(t.getMessage()).toLowerCase().contains("timeout")) {
      return "timeout";
    } else if (t instanceof ConnectException) {
      return "connect refused";
    } else if (t instanceof HttpClosedException) {
      return "connection closed";
    }
    String msg = String.valueOf(t.getMessage());
    return t.getClass().getSimpleName() + ": " + (msg.length() > 60 ? msg.substring(0, 60) : msg);
  }

  void merge(Stats o) {
    latency.add(o.latency);
    ttfb.add(o.ttfb);
    schedLag.add(o.schedLag);
    o.errorKinds.forEach((k, v) -> errorKinds.merge(k, v, Long::sum));
    okCount += o.okCount;
    okInWindow += o.okInWindow;
    errors += o.errors;
    unfinished += o.unfinished;
    bytes += o.bytes;
    startNs = startNs == 0 ? o.startNs : Math.min(startNs, o.startNs);
    endNs = Math.max(endNs, o.endNs);
    if (trace != null && o.trace != null) {
      trace.addAll(o.trace);
    }
  }

  static JsonObject percentiles(Histogram h) {
    return new JsonObject().put("count", h.getTotalCount())
        .put("p50", h.getValueAtPercentile(50)).put("p90", h.getValueAtPercentile(90))
        .put("p99", h.getValueAtPercentile(99)).put("p999", h.getValueAtPercentile(99.9))
        .put("max", h.getMaxValue()).put("mean", Math.round(h.getMean()));
  }
}

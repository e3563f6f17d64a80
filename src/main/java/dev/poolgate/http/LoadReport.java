package dev.poolgate.http;

import dev.poolgate.ErrorKind;
import dev.poolgate.config.GatewayConfig;
import dev.poolgate.config.InstanceConfig;
import dev.poolgate.scheduling.InstanceSnapshot;
import dev.poolgate.scheduling.PoolSnapshot;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * LLM-API-BalancedCall's load figures ({@code /llm/system-load}, {@code /llm/system-capacity},
 * {@code /llm/model-load/{model}}, {@code /llm/key-load/{model}/{key}}) from a ledger snapshot,
 * which is cluster-wide in cluster mode. Its "model" is a pool here (any model name or alias
 * resolving to it is accepted) and its "key" an instance, shown by its masked upstream key
 * ({@link KeyMask}) — never the key itself.
 *
 * <p>A pool whose every live instance has a {@code max_rps} is of type {@code qps}: its current
 * figure is the requests started in the last second against the sum of the limits. Any other pool
 * is of type {@code concurrency}: requests in flight against the sum of the caps. (A pool mixing
 * limited and unlimited instances has no requests-per-second maximum, so it reports concurrency.)
 */
public final class LoadReport {
  public static final String CONCURRENCY = "concurrency";
  public static final String QPS = "qps";

  private final GatewayConfig config;
  private final List<PoolSnapshot> pools;

  public LoadReport(GatewayConfig config, List<PoolSnapshot> pools) {
    this.config = config;
    this.pools = pools;
  }

  /** {@code {"load_percent": 34.56}}: requests in flight against the concurrency of every live instance. */
  public JsonObject systemLoad() {
    long inFlight = 0;
    long capacity = 0;
    for (PoolSnapshot p : pools) {
      inFlight += p.inFlight();
      capacity += p.capacity();
    }
    double percent = capacity == 0 ? 0 : round2(100.0 * inFlight / capacity);
    return new JsonObject().put("load_percent", percent);
  }

  /** The maxima of every pool by type, and every pool's load. */
  public JsonObject systemCapacity() {
    long concurrency = 0;
    long qps = 0;
    JsonObject details = new JsonObject();
    for (PoolSnapshot p : pools) {
      JsonObject detail = poolLoad(p);
      if (QPS.equals(detail.getString("type"))) {
        qps += detail.getLong("max");
      } else {
        concurrency += detail.getLong("max");
      }
      details.put(p.name(), detail);
    }
    return new JsonObject()
        .put("total_max", new JsonObject().put("concurrency", concurrency).put("qps", qps))
        .put("details", details);
  }

  /** One pool's load, found by a model name, alias or pool name; 404 {@code model_not_found} otherwise. */
  public JsonObject modelLoad(String model) {
    return poolLoad(poolOf(model));
  }

  /** One instance's load, named by its id or its masked key. */
  public JsonObject keyLoad(String model, String key) {
    PoolSnapshot pool = poolOf(model);
    InstanceSnapshot found = null;
    for (InstanceSnapshot i : pool.instances()) {
      if (i.id().equals(key)) {
        found = i;
        break;
      }
    }
    if (found == null) {
      List<InstanceSnapshot> byMask = new ArrayList<>();
      for (InstanceSnapshot i : pool.instances()) {
        if (label(i).equals(key)) {
          byMask.add(i);
        }
      }
      if (byMask.size() > 1) {
        throw ErrorKind.BAD_REQUEST.exception("'" + key + "' names " + byMask.size() + " instances of " + model
            + "; name one by its instance id");
      }
      found = byMask.isEmpty() ? null : byMask.get(0);
    }
    if (found == null) {
      throw ErrorKind.NOT_FOUND.exception("no key or instance '" + key + "' in " + model
          + " (name an instance by its id or its masked key, e.g. sk-...a1b2)");
    }
    boolean qps = isQps(pool);
    return new JsonObject().put("key", label(found)).put("instance", found.id())
        .put("weight", (double) found.weight())
        .put("current", current(found, qps))
        .put("max", max(found, qps));
  }

  private JsonObject poolLoad(PoolSnapshot pool) {
    boolean qps = isQps(pool);
    long current = 0;
    long max = 0;
    long weight = 0;
    JsonArray keys = new JsonArray();
    for (InstanceSnapshot i : pool.instances()) {
      current += current(i, qps);
      if (!i.retired()) {
        max += max(i, qps);
        weight += i.weight();
      }
      keys.add(new JsonObject().put("key", label(i)).put("instance", i.id())
          .put("weight", (double) i.weight()).put("current", current(i, qps)).put("max", i.retired() ? 0 : max(i, qps)));
    }
    return new JsonObject().put("type", qps ? QPS : CONCURRENCY).put("current", current).put("max", max)
        .put("weight", (double) weight).put("queued", pool.queued()).put("keys", keys);
  }

  private PoolSnapshot poolOf(String model) {
    String pool = config.models().get(model);
    if (pool != null) {
      for (PoolSnapshot p : pools) {
        if (p.name().equals(pool)) {
          return p;
        }
      }
    }
    throw ErrorKind.MODEL_NOT_FOUND.exception("no model or pool '" + model + "'");
  }

  private String label(InstanceSnapshot i) {
    InstanceConfig inst = config.instances().get(i.id());
    return inst == null ? i.id() : KeyMask.label(inst);
  }

  /** Whether every live instance of the pool has a max_rps. */
  static boolean isQps(PoolSnapshot pool) {
    boolean any = false;
    for (InstanceSnapshot i : pool.instances()) {
      if (!i.retired()) {
        if (i.maxRps() <= 0) {
          return false;
        }
        any = true;
      }
    }
    return any;
  }

  private static int current(InstanceSnapshot i, boolean qps) {
    return qps ? i.requestsLastSecond() : i.inFlight();
  }

  private static int max(InstanceSnapshot i, boolean qps) {
    return qps ? i.maxRps() : i.maxConcurrency();
  }

  static double round2(double v) {
    return Math.round(v * 100) / 100.0;
  }
}

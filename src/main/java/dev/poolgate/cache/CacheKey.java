package dev.poolgate.cache;

import dev.poolgate.config.CacheConfig;
import dev.poolgate.dispatch.Job;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What makes two requests "the same" for the response cache: the pool, the endpoint and the
 * request with the model resolved and fields in canonical order — without the fields that only
 * change how the answer is delivered ({@code stream}, {@code stream_options}) or who asked.
 */
public final class CacheKey {
  private static final Set<String> DELIVERY_ONLY = Set.of("model", "stream", "stream_options", "user");

  private CacheKey() {
  }

  /** Whether the request may be cached under this config: repeatable answers only, unless told otherwise. */
  public static boolean cacheable(JsonObject body, CacheConfig config) {
    if (!config.deterministicOnly()) {
      return true;
    }
    Object temperature = body.getValue("temperature");
    boolean zero = temperature instanceof Number n && n.doubleValue() == 0.0;
    return zero || body.getValue("seed") instanceof Number;
  }

  /** SHA-256 of the canonical request, hex. */
  public static String of(Job job) {
    StringBuilder canonical = new StringBuilder(job.pool()).append('\n').append(job.endpoint()).append('\n');
    Map<String, Object> fields = new TreeMap<>();
    job.body().forEach(e -> {
      if (!DELIVERY_ONLY.contains(e.getKey())) {
        fields.put(e.getKey(), e.getValue());
      }
    });
    canonical.append(canonical(fields));
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha.digest(canonical.toString().getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }

  /** JSON with object keys sorted at every depth, so field order never changes the key. */
  private static String canonical(Object value) {
    if (value instanceof JsonObject o) {
      return canonical(o.getMap());
    }
    if (value instanceof Map<?, ?> map) {
      return canonicalObject(new TreeMap<>(map));
    }
    if (value instanceof JsonArray a) {
      StringBuilder sb = new StringBuilder("[");
      for (int i = 0; i < a.size(); i++) {
        sb.append(i == 0 ? "" : ",").append(canonical(a.getValue(i)));
      }
      return sb.append(']').toString();
    }
    if (value instanceof java.util.List<?> list) {
      return canonical(new JsonArray(list));
    }
    return new JsonArray().add(value).encode().replaceAll("^\\[|]$", "");
  }

  private static String canonicalObject(TreeMap<?, ?> map) {
    StringBuilder sb = new StringBuilder("{");
    boolean first = true;
    for (var e : map.entrySet()) {
      String key = new JsonArray().add(String.valueOf(e.getKey())).encode();
      sb.append(first ? "" : ",").append(key, 1, key.length() - 1).append(':').append(canonical(e.getValue()));
      first = false;
    }
    return sb.append('}').toString();
  }
}

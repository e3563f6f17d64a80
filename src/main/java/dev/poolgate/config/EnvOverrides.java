package dev.poolgate.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Environment variables that override config keys: {@code POOLGATE_} + the key path upper-cased,
 * with {@code .}, {@code -} and list indexes joined by {@code _} ({@code POOLGATE_SERVER_PORT},
 * {@code POOLGATE_POOLS_LARGE_INSTANCES_0_MAX_CONCURRENCY}). Key names contain {@code _} too, so a
 * variable is not split: it is matched by walking the keys present in the document and the known
 * keys of each section, which lets a variable set a key the file does not have
 * ({@code POOLGATE_ADMIN_TOKEN}). Values are read as YAML scalars (numbers, booleans, strings).
 */
public final class EnvOverrides {
  public static final String PREFIX = "POOLGATE_";

  /** Variables that configure the node itself, not a config key (cluster.xml placeholders, the event bus). */
  private static final List<String> NOT_CONFIG = List.of("POOLGATE_HZ_", "POOLGATE_EVENTBUS_", "POOLGATE_CLUSTER_CONFIG",
      "POOLGATE_LOG_", "POOLGATE_ACCESS_LOG", "POOLGATE_JAVA_OPTS");

  private static final Pattern INTEGER = Pattern.compile("[-+]?\\d{1,18}");
  private static final Pattern DECIMAL = Pattern.compile("[-+]?(\\d+\\.\\d*|\\.\\d+|\\d+)([eE][-+]?\\d+)?");

  private static final Set<String> INSTANCE = Set.of("id", "provider", "base_url", "api_key", "model",
      "max_concurrency", "weight", "timeout_ms", "connect_timeout_ms", "first_byte_timeout_ms", "idle_timeout_ms",
      "total_timeout_ms", "probe_path", "headers", "params", "override", "max_rps", "max_tpm", "drained", "endpoint",
      "deployment", "api_version", "url", "entra_token", "mock",
      "anthropic_version", "default_max_tokens", "region", "access_key_id", "secret_access_key", "session_token");

  /** Known keys of each section, by its path with names and indexes replaced by {@code *}. */
  private static final Map<String, Set<String>> KNOWN = Map.ofEntries(
      Map.entry("", Set.of("server", "pools", "models", "health", "retry", "default_pool", "keys", "admin", "usage")),
      Map.entry("server", Set.of("host", "port", "max_body_bytes", "idle_timeout_s", "request_timeout_ms",
          "drain_timeout_ms", "log_payloads")),
      Map.entry("health", Set.of("probe_interval_ms", "probe_timeout_ms", "degrade_after", "unhealthy_after",
          "cooldown_ms", "recover_after")),
      Map.entry("retry", Set.of("max_attempts", "backoff_ms")),
      Map.entry("admin", Set.of("token", "state_dir")),
      Map.entry("usage", Set.of("enabled", "jdbc_url", "user", "password", "flush_ms", "shared")),
      Map.entry("pools.*", Set.of("fallback", "queue", "instances", "strategy", "latency_decay_ms", "cache",
          "lend_to")),
      Map.entry("pools.*.queue", Set.of("max_size", "timeout_ms")),
      Map.entry("pools.*.cache", Set.of("ttl_s", "max_entries", "deterministic_only")),
      Map.entry("pools.*.instances.*", INSTANCE),
      Map.entry("pools.*.instances.*.mock", Set.of("latency_ms", "tokens_per_second", "chunk_tokens", "error_rate",
          "reply_tokens", "fault")),
      Map.entry("models.*", Set.of("pool", "cache")),
      Map.entry("models.*.cache", Set.of("ttl_s", "max_entries", "deterministic_only")),
      Map.entry("keys.*", ClientKeyConfig.FIELDS));

  /** One variable applied: which key it set. */
  public record Applied(String variable, String key) {}

  /**
   * @param config    the document with the overrides applied
   * @param applied   the variables that set a key, in variable-name order
   * @param unmatched {@code POOLGATE_} variables that name no key (a typo, or a key of a section that does not exist)
   */
  public record Result(JsonObject config, List<Applied> applied, List<String> unmatched) {
    /** The variable that set this key, or null. */
    public String variableOf(String key) {
      return applied.stream().filter(a -> a.key().equals(key)).map(Applied::variable).findFirst().orElse(null);
    }
  }

  private EnvOverrides() {
  }

  /** The keys a section accepts, by pattern ({@code pools.*.queue}); for the drift test. */
  static Set<String> known(String pattern) {
    return KNOWN.getOrDefault(pattern, Set.of());
  }

  /** Applies every {@code POOLGATE_} variable of {@code env} that names a key; the input is not changed. */
  public static Result apply(JsonObject config, Map<String, String> env) {
    JsonObject out = config.copy();
    List<Applied> applied = new ArrayList<>();
    List<String> unmatched = new ArrayList<>();
    for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
      String name = e.getKey();
      if (!name.startsWith(PREFIX) || NOT_CONFIG.stream().anyMatch(name::startsWith)) {
        continue;
      }
      List<Object> path = resolve(out, "", name.substring(PREFIX.length()));
      if (path == null) {
        unmatched.add(name);
        continue;
      }
      set(out, path, scalar(e.getValue()));
      applied.add(new Applied(name, keyOf(path)));
    }
    return new Result(out, List.copyOf(applied), List.copyOf(unmatched));
  }

  /** A value as YAML reads a plain scalar: true/false, a number, null/~ (removes the key), else the string. */
  static Object scalar(String raw) {
    String v = raw.trim();
    if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
      return v.substring(1, v.length() - 1);
    }
    switch (v) {
      case "true", "True", "TRUE" -> {
        return true;
      }
      case "false", "False", "FALSE" -> {
        return false;
      }
      case "null", "Null", "NULL", "~" -> {
        return null;
      }
      default -> {
      }
    }
    if (INTEGER.matcher(v).matches()) {
      return Long.parseLong(v);
    }
    if (DECIMAL.matcher(v).matches()) {
      return Double.parseDouble(v);
    }
    return raw;
  }

  /**
   * The path (names and list indexes) a variable's rest names below {@code node}, or null. Present
   * keys are tried before known ones and longer names before shorter, the first complete match wins.
   */
  private static List<Object> resolve(Object node, String pattern, String rest) {
    if (node instanceof JsonArray list) {
      for (int i = 0; i < list.size(); i++) {
        List<Object> found = step(list.getValue(i), pattern + ".*", rest, String.valueOf(i), i);
        if (found != null) {
          return found;
        }
      }
      return null;
    }
    Set<String> candidates = new LinkedHashSet<>();
    JsonObject object = node instanceof JsonObject o ? o : null;
    if (object != null) {
      candidates.addAll(object.fieldNames());
    }
    if (object != null || node == null) {
      candidates.addAll(KNOWN.getOrDefault(pattern, Set.of()));
    }
    List<String> ordered = new ArrayList<>(candidates);
    ordered.sort((a, b) -> b.length() - a.length());
    for (String key : ordered) {
      Object child = object == null ? null : object.getValue(key);
      String childPattern = pattern.isEmpty() ? key : pattern + "." + (isNamed(pattern) ? "*" : key);
      List<Object> found = step(child, childPattern, rest, normalize(key), key);
      if (found != null) {
        return found;
      }
    }
    return null;
  }

  /** Sections whose keys are names chosen by the user (pools, models, keys, headers, params). */
  private static boolean isNamed(String pattern) {
    return pattern.equals("pools") || pattern.equals("models") || pattern.equals("keys")
        || pattern.endsWith(".headers") || pattern.endsWith(".params") || pattern.endsWith(".override");
  }

  private static List<Object> step(Object child, String childPattern, String rest, String token, Object segment) {
    if (rest.equals(token)) {
      if (child instanceof JsonObject || child instanceof JsonArray) {
        return null; // a variable sets a value, not a whole section
      }
      List<Object> path = new ArrayList<>();
      path.add(segment);
      return path;
    }
    if (rest.startsWith(token + "_") && (child == null || child instanceof JsonObject || child instanceof JsonArray)) {
      if (child == null && !KNOWN.containsKey(childPattern)) {
        return null; // only a known section may be created
      }
      List<Object> below = resolve(child, childPattern, rest.substring(token.length() + 1));
      if (below != null) {
        below.add(0, segment);
        return below;
      }
    }
    return null;
  }

  private static String normalize(String key) {
    return key.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  private static void set(JsonObject root, List<Object> path, Object value) {
    Object node = root;
    for (int i = 0; i < path.size() - 1; i++) {
      Object seg = path.get(i);
      Object next = node instanceof JsonArray a ? a.getValue((Integer) seg) : ((JsonObject) node).getValue((String) seg);
      if (next == null) {
        next = new JsonObject();
        ((JsonObject) node).put((String) seg, next);
      }
      node = next;
    }
    Object last = path.get(path.size() - 1);
    if (node instanceof JsonArray a) {
      a.set((Integer) last, value);
    } else if (value == null) {
      ((JsonObject) node).remove((String) last);
    } else {
      ((JsonObject) node).put((String) last, value);
    }
  }

  /** {@code pools.large.instances[0].max_concurrency}: the form config errors use. */
  static String keyOf(List<Object> path) {
    StringBuilder sb = new StringBuilder();
    for (Object seg : path) {
      if (seg instanceof Integer i) {
        sb.append('[').append(i).append(']');
      } else {
        sb.append(sb.isEmpty() ? "" : ".").append(seg);
      }
    }
    return sb.toString();
  }
}

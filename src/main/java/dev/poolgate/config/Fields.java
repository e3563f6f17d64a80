package dev.poolgate.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * Typed, path-aware reads of one config object, so every error names the full key
 * ({@code pools.large.instances[0].max_concurrency}). Numbers may come as strings (after
 * {@code ${ENV}} substitution).
 */
final class Fields {
  private final JsonObject json;
  private final String path;

  Fields(JsonObject json, String path) {
    this.json = json == null ? new JsonObject() : json;
    this.path = path;
  }

  String key(String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  JsonObject raw() {
    return json;
  }

  boolean has(String name) {
    return json.getValue(name) != null;
  }

  /** Rejects keys this object does not know, so a typo is an error, not a silent default. */
  Fields only(Set<String> known) {
    for (String k : json.fieldNames()) {
      if (!known.contains(k)) {
        String meant = closest(k, known);
        throw new ConfigException(key(k), "unknown key" + (meant == null ? "" : ", probably meant " + meant)
            + " (known: " + String.join(", ", new java.util.TreeSet<>(known)) + ")");
      }
    }
    return this;
  }

  /**
   * The error for a required key that is missing; when the object has a key spelled nearly like
   * it ({@code max_concurency}), the message names that one too.
   */
  ConfigException missing(String name) {
    for (String k : json.fieldNames()) {
      if (!k.equals(name) && name.equals(closest(k, Set.of(name)))) {
        return new ConfigException(key(name), "is required; " + key(k) + " is an unknown key and is probably meant");
      }
    }
    return new ConfigException(key(name), "is required");
  }

  /** The known key within a small edit distance of a misspelt one, or null. */
  static String closest(String typo, Set<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : new java.util.TreeSet<>(known)) {
      int d = editDistance(typo.toLowerCase(java.util.Locale.ROOT), k);
      if (d < bestDistance) {
        best = k;
        bestDistance = d;
      }
    }
    // one slip per four letters, at most three: "max_concurency" yes, "port" for "host" no
    return best != null && bestDistance <= Math.min(3, Math.max(1, best.length() / 4)) ? best : null;
  }

  /** Levenshtein distance with adjacent transpositions counted as one edit. */
  static int editDistance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }

  String string(String name) {
    Object v = json.getValue(name);
    if (v == null || v.toString().isBlank()) {
      throw missing(name);
    }
    if (v instanceof JsonObject || v instanceof JsonArray) {
      throw new ConfigException(key(name), "must be a string");
    }
    return v.toString();
  }

  String string(String name, String def) {
    return has(name) ? string(name) : def;
  }

  long number(String name, long def, long min, long max) {
    Object v = json.getValue(name);
    if (v == null) {
      return def;
    }
    long n;
    try {
      n = v instanceof Number num ? num.longValue() : Long.parseLong(v.toString().trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(key(name), "must be a whole number, got '" + v + "'");
    }
    if (n < min || n > max) {
      throw new ConfigException(key(name), "must be between " + min + " and " + max + ", got " + n);
    }
    return n;
  }

  int integer(String name, int def, int min, int max) {
    return (int) number(name, def, min, max);
  }

  double decimal(String name, double def, double min, double max) {
    Object v = json.getValue(name);
    if (v == null) {
      return def;
    }
    double d;
    try {
      d = v instanceof Number num ? num.doubleValue() : Double.parseDouble(v.toString().trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(key(name), "must be a number, got '" + v + "'");
    }
    if (d < min || d > max) {
      throw new ConfigException(key(name), "must be between " + min + " and " + max + ", got " + d);
    }
    return d;
  }

  boolean bool(String name, boolean def) {
    Object v = json.getValue(name);
    if (v == null) {
      return def;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    String s = v.toString().trim().toLowerCase();
    if (s.equals("true") || s.equals("false")) {
      return Boolean.parseBoolean(s);
    }
    throw new ConfigException(key(name), "must be true or false, got '" + v + "'");
  }

  Fields object(String name) {
    Object v = json.getValue(name);
    if (v != null && !(v instanceof JsonObject)) {
      throw new ConfigException(key(name), "must be a mapping");
    }
    return new Fields((JsonObject) v, key(name));
  }

  JsonObject objectOrEmpty(String name) {
    return object(name).raw().copy();
  }

  JsonArray array(String name) {
    Object v = json.getValue(name);
    if (v == null) {
      return new JsonArray();
    }
    if (!(v instanceof JsonArray a)) {
      throw new ConfigException(key(name), "must be a list");
    }
    return a;
  }
}

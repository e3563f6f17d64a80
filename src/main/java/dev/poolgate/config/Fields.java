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
        throw new ConfigException(key(k), "unknown key (known: " + String.join(", ", new java.util.TreeSet<>(known)) + ")");
      }
    }
    return this;
  }

  String string(String name) {
    Object v = json.getValue(name);
    if (v == null || v.toString().isBlank()) {
      throw new ConfigException(key(name), "is required");
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

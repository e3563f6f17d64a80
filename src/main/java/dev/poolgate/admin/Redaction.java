package dev.poolgate.admin;

import dev.poolgate.config.ConfigException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Set;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * Keeps secrets out of admin answers. Literal secrets (an upstream {@code api_key}, AWS and
 * Azure credentials, secret-looking headers, the admin token, the usage database password, a
 * plain client {@code key}) are replaced by {@value #MARKER}; {@code ${VAR}} references are
 * shown as they are, since they carry no secret. A document coming back with the marker keeps the
 * current value of that field: instances are matched by id, everything else by key path.
 */
public final class Redaction {
  public static final String MARKER = "<redacted>";

  /** Instance fields that hold credentials (see ProviderCatalog: bedrock, azure). */
  static final Set<String> INSTANCE_SECRETS = Set.of("api_key", "access_key_id", "secret_access_key",
      "session_token", "entra_token");
  private static final Pattern SECRET_HEADER = Pattern.compile("(?i).*(auth|key|token|secret|password|cookie).*");

  private Redaction() {
  }

  /** A redacted copy of a whole document. */
  public static JsonObject redact(JsonObject config) {
    JsonObject out = config.copy();
    forEachSecret(out, (holder, field) -> {
      if (holder.getValue(field) instanceof String s && !s.contains("${")) {
        holder.put(field, MARKER);
      }
    });
    return out;
  }

  /** A redacted copy of one instance. */
  public static JsonObject redactInstance(JsonObject instance) {
    JsonObject out = instance.copy();
    instanceSecrets(out, (holder, field) -> {
      if (holder.getValue(field) instanceof String s && !s.contains("${")) {
        holder.put(field, MARKER);
      }
    });
    return out;
  }

  /** Puts the current value back wherever {@code next} carries the marker; an error if there is none. */
  public static JsonObject restore(JsonObject next, JsonObject current) {
    JsonObject out = next.copy();
    JsonObject pools = out.getValue("pools") instanceof JsonObject p ? p : new JsonObject();
    for (String pool : pools.fieldNames()) {
      if (!(pools.getValue(pool) instanceof JsonObject poolJson)
          || !(poolJson.getValue("instances") instanceof JsonArray list)) {
        continue;
      }
      for (int i = 0; i < list.size(); i++) {
        if (!(list.getValue(i) instanceof JsonObject inst)) {
          continue;
        }
        String where = "pools." + pool + ".instances[" + i + "]";
        JsonObject before = instanceById(current, inst.getValue("id"));
        instanceSecrets(inst, (holder, field) -> {
          if (MARKER.equals(holder.getValue(field))) {
            Object kept = before == null ? null
                : holder == inst ? before.getValue(field)
                : before.getValue("headers") instanceof JsonObject h ? h.getValue(field) : null;
            if (kept == null) {
              throw new ConfigException(where + (holder == inst ? "." : ".headers.") + field,
                  "is " + MARKER + " but instance '" + inst.getValue("id") + "' has no current value to keep");
            }
            holder.put(field, kept);
          }
        });
      }
    }
    restorePath(out, current, "admin", "token");
    restorePath(out, current, "usage", "password");
    if (out.getValue("keys") instanceof JsonObject keys) {
      for (String name : keys.fieldNames()) {
        restorePath(keys, current.getJsonObject("keys", new JsonObject()), name, "key", "keys." + name + ".key");
      }
    }
    return out;
  }

  private static void restorePath(JsonObject out, JsonObject current, String section, String field) {
    restorePath(out, current, section, field, section + "." + field);
  }

  private static void restorePath(JsonObject out, JsonObject current, String section, String field, String key) {
    if (out.getValue(section) instanceof JsonObject s && MARKER.equals(s.getValue(field))) {
      Object kept = current.getValue(section) instanceof JsonObject c ? c.getValue(field) : null;
      if (kept == null) {
        throw new ConfigException(key, "is " + MARKER + " but there is no current value to keep");
      }
      s.put(field, kept);
    }
  }

  static JsonObject instanceById(JsonObject config, Object id) {
    if (id == null || !(config.getValue("pools") instanceof JsonObject pools)) {
      return null;
    }
    for (String pool : pools.fieldNames()) {
      if (pools.getValue(pool) instanceof JsonObject p && p.getValue("instances") instanceof JsonArray list) {
        for (Object o : list) {
          if (o instanceof JsonObject inst && id.equals(inst.getValue("id"))) {
            return inst;
          }
        }
      }
    }
    return null;
  }

  private static void forEachSecret(JsonObject config, BiConsumer<JsonObject, String> action) {
    if (config.getValue("pools") instanceof JsonObject pools) {
      for (String pool : pools.fieldNames()) {
        if (pools.getValue(pool) instanceof JsonObject p && p.getValue("instances") instanceof JsonArray list) {
          for (Object o : list) {
            if (o instanceof JsonObject inst) {
              instanceSecrets(inst, action);
            }
          }
        }
      }
    }
    if (config.getValue("admin") instanceof JsonObject admin) {
      action.accept(admin, "token");
    }
    if (config.getValue("usage") instanceof JsonObject usage) {
      action.accept(usage, "password");
    }
    if (config.getValue("keys") instanceof JsonObject keys) {
      for (String name : keys.fieldNames()) {
        if (keys.getValue(name) instanceof JsonObject key) {
          action.accept(key, "key");
        }
      }
    }
  }

  private static void instanceSecrets(JsonObject inst, BiConsumer<JsonObject, String> action) {
    for (String field : INSTANCE_SECRETS) {
      if (inst.containsKey(field)) {
        action.accept(inst, field);
      }
    }
    if (inst.getValue("headers") instanceof JsonObject headers) {
      for (String name : headers.fieldNames().toArray(String[]::new)) {
        if (SECRET_HEADER.matcher(name).matches()) {
          action.accept(headers, name);
        }
      }
    }
  }
}

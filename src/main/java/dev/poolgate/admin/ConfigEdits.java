package dev.poolgate.admin;

import dev.poolgate.ErrorKind;
import dev.poolgate.GatewayException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * The admin API's changes as plain edits of a raw configuration document: each takes the document
 * (a copy the caller owns), changes it and returns it, or fails with 404 (unknown name), 409
 * (exists, or still referenced) or 400 (a malformed request). Whether the result is a valid
 * configuration is checked afterwards, on the whole document, by the config parser.
 */
public final class ConfigEdits {
  private static final String NAME = "name";

  private ConfigEdits() {
  }

  // ------------------------------------------------------------------ sections

  /** The section, created empty if absent. */
  static JsonObject section(JsonObject doc, String name) {
    if (doc.getValue(name) instanceof JsonObject o) {
      return o;
    }
    JsonObject created = new JsonObject();
    doc.put(name, created);
    return created;
  }

  static JsonObject sectionOrEmpty(JsonObject doc, String name) {
    return doc.getValue(name) instanceof JsonObject o ? o : new JsonObject();
  }

  /** RFC 7386 JSON merge patch: objects merge, null removes, anything else replaces. */
  public static JsonObject mergePatch(JsonObject target, JsonObject patch) {
    JsonObject out = target.copy();
    for (String key : patch.fieldNames()) {
      Object value = patch.getValue(key);
      if (value == null) {
        out.remove(key);
      } else if (value instanceof JsonObject p && out.getValue(key) instanceof JsonObject t) {
        out.put(key, mergePatch(t, p));
      } else {
        out.put(key, value instanceof JsonObject p ? mergePatch(new JsonObject(), p) : value);
      }
    }
    return out;
  }

  /** The body without its {@code name}, which must agree with the path's if given. */
  private static JsonObject withoutName(JsonObject body, String name, String field) {
    Object given = body.getValue(field);
    if (given != null && !given.equals(name)) {
      throw ErrorKind.BAD_REQUEST.exception("the body's " + field + " '" + given + "' differs from the path's '"
          + name + "'");
    }
    JsonObject out = body.copy();
    out.remove(field);
    return out;
  }

  /** The {@code name} a create body must carry. */
  public static String nameOf(JsonObject body, String field) {
    Object name = body.getValue(field);
    if (!(name instanceof String s) || s.isBlank()) {
      throw ErrorKind.BAD_REQUEST.exception("the body needs a '" + field + "' (a non-empty string)");
    }
    return s;
  }

  private static GatewayException notFound(String what, String name) {
    return ErrorKind.NOT_FOUND.exception("no " + what + " '" + name + "'");
  }

  // ------------------------------------------------------------------ pools

  public static JsonObject pool(JsonObject doc, String name) {
    if (!(sectionOrEmpty(doc, "pools").getValue(name) instanceof JsonObject pool)) {
      throw notFound("pool", name);
    }
    return pool;
  }

  public static JsonObject createPool(JsonObject doc, JsonObject body) {
    String name = nameOf(body, NAME);
    JsonObject pools = section(doc, "pools");
    if (pools.containsKey(name)) {
      throw ErrorKind.CONFLICT.exception("pool '" + name + "' exists");
    }
    pools.put(name, withoutName(body, name, NAME));
    return doc;
  }

  public static JsonObject replacePool(JsonObject doc, String name, JsonObject body) {
    pool(doc, name);
    section(doc, "pools").put(name, withoutName(body, name, NAME));
    return doc;
  }

  public static JsonObject patchPool(JsonObject doc, String name, JsonObject patch) {
    JsonObject pool = pool(doc, name);
    section(doc, "pools").put(name, mergePatch(pool, withoutName(patch, name, NAME)));
    return doc;
  }

  /** Refuses (409) while a model, a fallback, a lend_to, a client key or default_pool names the pool. */
  public static JsonObject deletePool(JsonObject doc, String name) {
    pool(doc, name);
    List<String> refs = new ArrayList<>();
    sectionOrEmpty(doc, "models").forEach(e -> {
      Object v = e.getValue();
      if (name.equals(v) || v instanceof JsonObject o && name.equals(o.getValue("pool"))) {
        refs.add("models." + e.getKey());
      }
    });
    sectionOrEmpty(doc, "pools").forEach(e -> {
      if (!e.getKey().equals(name) && e.getValue() instanceof JsonObject p) {
        if (name.equals(p.getValue("fallback"))) {
          refs.add("pools." + e.getKey() + ".fallback");
        }
        Object lend = p.getValue("lend_to");
        if (name.equals(lend) || lend instanceof JsonArray a && a.contains(name)
            || lend instanceof JsonObject o && o.containsKey(name)) {
          refs.add("pools." + e.getKey() + ".lend_to");
        }
      }
    });
    keyReferences(doc, name, refs);
    if (name.equals(doc.getValue("default_pool"))) {
      refs.add("default_pool");
    }
    if (!refs.isEmpty()) {
      throw ErrorKind.CONFLICT.exception("pool '" + name + "' is still referenced by " + String.join(", ", refs));
    }
    section(doc, "pools").remove(name);
    return doc;
  }

  private static void keyReferences(JsonObject doc, String name, List<String> refs) {
    sectionOrEmpty(doc, "keys").forEach(e -> {
      if (e.getValue() instanceof JsonObject k && k.getValue("models") instanceof JsonArray models
          && models.contains(name)) {
        refs.add("keys." + e.getKey() + ".models");
      }
    });
  }

  // ------------------------------------------------------------------ instances

  public static JsonArray instances(JsonObject doc, String pool) {
    JsonObject p = pool(doc, pool);
    if (p.getValue("instances") instanceof JsonArray list) {
      return list;
    }
    JsonArray created = new JsonArray();
    p.put("instances", created);
    return created;
  }

  private static int indexOf(JsonArray list, String id) {
    for (int i = 0; i < list.size(); i++) {
      if (list.getValue(i) instanceof JsonObject o && id.equals(o.getValue("id"))) {
        return i;
      }
    }
    return -1;
  }

  public static JsonObject instance(JsonObject doc, String pool, String id) {
    JsonArray list = instances(doc, pool);
    int i = indexOf(list, id);
    if (i < 0) {
      throw notFound("instance", pool + "/" + id);
    }
    return list.getJsonObject(i);
  }

  public static JsonObject addInstance(JsonObject doc, String pool, JsonObject body) {
    String id = nameOf(body, "id");
    JsonArray list = instances(doc, pool);
    if (Redaction.instanceById(doc, id) != null) {
      throw ErrorKind.CONFLICT.exception("instance '" + id + "' exists");
    }
    list.add(body.copy());
    return doc;
  }

  public static JsonObject replaceInstance(JsonObject doc, String pool, String id, JsonObject body) {
    instance(doc, pool, id);
    JsonArray list = instances(doc, pool);
    JsonObject next = withoutName(body, id, "id").put("id", id);
    list.set(indexOf(list, id), next);
    return doc;
  }

  public static JsonObject patchInstance(JsonObject doc, String pool, String id, JsonObject patch) {
    JsonObject current = instance(doc, pool, id);
    JsonArray list = instances(doc, pool);
    list.set(indexOf(list, id), mergePatch(current, withoutName(patch, id, "id")).put("id", id));
    return doc;
  }

  /** Sets the instance's {@code drained} flag (absent when undrained, as a file would have it). */
  public static JsonObject drainInstance(JsonObject doc, String pool, String id, boolean drained) {
    return patchInstance(doc, pool, id, new JsonObject().put("drained", drained ? Boolean.TRUE : null));
  }

  public static JsonObject removeInstance(JsonObject doc, String pool, String id) {
    instance(doc, pool, id);
    JsonArray list = instances(doc, pool);
    list.remove(indexOf(list, id));
    return doc;
  }

  // ------------------------------------------------------------------ models

  /** A model alias in its long form: {@code {"pool": NAME, ...}}. */
  public static JsonObject model(JsonObject doc, String name) {
    Object v = sectionOrEmpty(doc, "models").getValue(name);
    if (v == null) {
      throw notFound("model", name);
    }
    return v instanceof JsonObject o ? o.copy() : new JsonObject().put("pool", v);
  }

  /** Stored short ({@code alias: pool}) when it only names a pool, as a file would have it. */
  private static Object compact(JsonObject model) {
    return model.size() == 1 && model.getValue("pool") instanceof String pool ? pool : model;
  }

  public static JsonObject createModel(JsonObject doc, JsonObject body) {
    String name = nameOf(body, NAME);
    JsonObject models = section(doc, "models");
    if (models.containsKey(name)) {
      throw ErrorKind.CONFLICT.exception("model '" + name + "' exists");
    }
    models.put(name, compact(withoutName(body, name, NAME)));
    return doc;
  }

  public static JsonObject replaceModel(JsonObject doc, String name, JsonObject body) {
    model(doc, name);
    section(doc, "models").put(name, compact(withoutName(body, name, NAME)));
    return doc;
  }

  public static JsonObject patchModel(JsonObject doc, String name, JsonObject patch) {
    JsonObject current = model(doc, name);
    section(doc, "models").put(name, compact(mergePatch(current, withoutName(patch, name, NAME))));
    return doc;
  }

  public static JsonObject deleteModel(JsonObject doc, String name) {
    model(doc, name);
    List<String> refs = new ArrayList<>();
    keyReferences(doc, name, refs);
    if (!refs.isEmpty()) {
      throw ErrorKind.CONFLICT.exception("model '" + name + "' is still referenced by " + String.join(", ", refs));
    }
    section(doc, "models").remove(name);
    return doc;
  }

  // ------------------------------------------------------------------ client keys

  public static JsonObject key(JsonObject doc, String name) {
    if (!(sectionOrEmpty(doc, "keys").getValue(name) instanceof JsonObject key)) {
      throw notFound("client key", name);
    }
    return key;
  }

  /** What GET shows of a key: its settings, never the key or its hash. */
  public static JsonObject publicKey(String name, JsonObject key) {
    JsonObject out = key.copy();
    out.remove("key");
    out.remove("key_sha256");
    return new JsonObject().put(NAME, name).mergeIn(out);
  }

  /** Stores the key's settings and only the SHA-256 of the key. */
  public static JsonObject createKey(JsonObject doc, JsonObject body, String sha256) {
    String name = nameOf(body, NAME);
    JsonObject keys = section(doc, "keys");
    if (keys.containsKey(name)) {
      throw ErrorKind.CONFLICT.exception("client key '" + name + "' exists");
    }
    JsonObject stored = withoutName(body, name, NAME);
    stored.remove("key");
    stored.remove("key_sha256");
    keys.put(name, stored.put("key_sha256", sha256));
    return doc;
  }

  /** Replaces the key's settings; the key itself stays (delete and create to change it). */
  public static JsonObject replaceKey(JsonObject doc, String name, JsonObject body) {
    JsonObject current = key(doc, name);
    JsonObject next = settingsOnly(withoutName(body, name, NAME));
    copyMaterial(current, next);
    section(doc, "keys").put(name, next);
    return doc;
  }

  public static JsonObject patchKey(JsonObject doc, String name, JsonObject patch) {
    JsonObject current = key(doc, name);
    JsonObject next = mergePatch(current, settingsOnly(withoutName(patch, name, NAME)));
    copyMaterial(current, next);
    section(doc, "keys").put(name, next);
    return doc;
  }

  private static JsonObject settingsOnly(JsonObject body) {
    if (body.containsKey("key") || body.containsKey("key_sha256")) {
      throw ErrorKind.BAD_REQUEST.exception("a key's secret cannot be changed: delete the key and create it again");
    }
    return body;
  }

  private static void copyMaterial(JsonObject from, JsonObject to) {
    to.remove("key");
    to.remove("key_sha256");
    for (String field : List.of("key", "key_sha256")) {
      if (from.containsKey(field)) {
        to.put(field, from.getValue(field));
      }
    }
  }

  public static JsonObject deleteKey(JsonObject doc, String name) {
    key(doc, name);
    section(doc, "keys").remove(name);
    return doc;
  }
}

package dev.poolgate.admin;

import io.vertx.core.json.JsonObject;

/**
 * The raw configuration document in force (as written: {@code ${ENV}} references kept, no
 * environment overrides) and its version. Version 0 is the config file; every admin change
 * stores version + 1.
 */
public record ConfigDocument(long version, JsonObject config) {
  public static final long FILE_VERSION = 0;

  /** A copy in plain JSON types (an {@code Instant} read from YAML becomes its ISO string). */
  public static ConfigDocument of(long version, JsonObject config) {
    return new ConfigDocument(version, new JsonObject(config.encode()));
  }

  public JsonObject toJson() {
    return new JsonObject().put("version", version).put("config", config);
  }

  public static ConfigDocument fromJson(JsonObject json) {
    return of(json.getLong("version"), json.getJsonObject("config"));
  }

  public boolean fromAdmin() {
    return version > FILE_VERSION;
  }
}

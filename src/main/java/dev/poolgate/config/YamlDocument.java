package dev.poolgate.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.nodes.Tag;

import java.util.Collection;
import java.util.Map;

/**
 * Reads a config document from YAML into the JSON tree the rest of the config code validates.
 *
 * <p>Scalars keep the type YAML gives them, except timestamps: an unquoted {@code 2024-10-21}
 * ({@code api_version} in the README's Azure example) stays the text it is, so each key reads it
 * as the type it expects ({@link Fields} turns any scalar into a string, a number or a boolean, or
 * names the key). A syntax error names the source (the file's path) and the line and column.
 */
public final class YamlDocument {
  private YamlDocument() {
  }

  /** The document as a JSON object; an empty document is an empty object. */
  public static JsonObject parse(String yaml, String source) {
    Object root;
    try {
      root = new Yaml(new SafeConstructor(new LoaderOptions()), new Representer(new DumperOptions()),
          new DumperOptions(), new LoaderOptions(), new NoTimestamps()).load(yaml);
    } catch (MarkedYAMLException e) {
      var mark = e.getProblemMark();
      String where = mark == null ? "" : " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
      throw new ConfigException(source, "is not valid YAML" + where + ": " + e.getProblem());
    } catch (YAMLException e) {
      throw new ConfigException(source, "is not valid YAML: " + e.getMessage());
    }
    if (root == null) {
      return new JsonObject();
    }
    if (!(root instanceof Map<?, ?> map)) {
      throw new ConfigException(source, "must be a YAML mapping (key: value lines), not a single "
          + (root instanceof Collection<?> ? "list" : "value"));
    }
    return object(map);
  }

  private static JsonObject object(Map<?, ?> map) {
    JsonObject json = new JsonObject();
    map.forEach((k, v) -> json.put(String.valueOf(k), value(v)));
    return json;
  }

  private static Object value(Object v) {
    if (v instanceof Map<?, ?> m) {
      return object(m);
    }
    if (v instanceof Collection<?> c) {
      JsonArray array = new JsonArray();
      c.forEach(x -> array.add(value(x)));
      return array;
    }
    if (v == null || v instanceof String || v instanceof Boolean || v instanceof Integer || v instanceof Long
        || v instanceof Double) {
      return v;
    }
    if (v instanceof Number n) {
      // beyond long: kept as its digits, so the key's own range check names it
      return n.toString();
    }
    if (v instanceof byte[] bytes) {
      return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }
    return v.toString();
  }

  /** YAML 1.1's implicit types without timestamps: dates and instants are read as plain text. */
  private static final class NoTimestamps extends Resolver {
    @Override
    public void addImplicitResolver(Tag tag, java.util.regex.Pattern regexp, String first, int limit) {
      if (!Tag.TIMESTAMP.equals(tag)) {
        super.addImplicitResolver(tag, regexp, first, limit);
      }
    }
  }
}

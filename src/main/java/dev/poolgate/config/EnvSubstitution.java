package dev.poolgate.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces {@code ${NAME}} and {@code ${NAME:-default}} in every string value of the config. A
 * variable that is not set and has no default is an error naming the key and the variable.
 */
public final class EnvSubstitution {
  private static final Pattern VAR = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}");

  private EnvSubstitution() {
  }

  public static JsonObject apply(JsonObject json, Map<String, String> env) {
    return object(json, "", env);
  }

  private static JsonObject object(JsonObject json, String path, Map<String, String> env) {
    JsonObject out = new JsonObject();
    json.forEach(e -> out.put(e.getKey(), value(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey(), env)));
    return out;
  }

  private static Object value(Object v, String path, Map<String, String> env) {
    if (v instanceof JsonObject o) {
      return object(o, path, env);
    }
    if (v instanceof JsonArray a) {
      JsonArray out = new JsonArray();
      for (int i = 0; i < a.size(); i++) {
        out.add(value(a.getValue(i), path + "[" + i + "]", env));
      }
      return out;
    }
    if (v instanceof String s && s.contains("${")) {
      Matcher m = VAR.matcher(s);
      StringBuilder sb = new StringBuilder();
      while (m.find()) {
        String val = env.get(m.group(1));
        if (val == null) {
          if (m.group(2) == null) {
            throw new ConfigException(path, "environment variable " + m.group(1) + " is not set");
          }
          val = m.group(3);
        }
        m.appendReplacement(sb, Matcher.quoteReplacement(val));
      }
      m.appendTail(sb);
      return sb.toString();
    }
    return v;
  }
}

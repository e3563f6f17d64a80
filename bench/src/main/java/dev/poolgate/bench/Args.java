package dev.poolgate.bench;

import java.util.HashMap;
import java.util.Map;

/** Tiny "--key value" parser: the bench tools need a handful of knobs, not a CLI library on the classpath. */
final class Args {
  private final Map<String, String> values = new HashMap<>();

  Args(String[] argv) {
    for (int i = 0; i < argv.length; i++) {
      String a = argv[i];
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument: " + a);
      }
      String key = a.substring(2);
      int eq = key.indexOf('=');
      if (eq >= 0) {
        values.put(key.substring(0, eq), key.substring(eq + 1));
      } else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) {
        values.put(key, argv[++i]);
      } else {
        values.put(key, "true"); // bare flag
      }
    }
  }

  String str(String key, String def) {
    return values.getOrDefault(key, def);
  }

  int integer(String key, int def) {
    String v = values.get(key);
    return v == null ? def : Integer.parseInt(v);
  }

  long lng(String key, long def) {
    String v = values.get(key);
    return v == null ? def : Long.parseLong(v);
  }

  double dbl(String key, double def) {
    String v = values.get(key);
    return v == null ? def : Double.parseDouble(v);
  }

  boolean bool(String key, boolean def) {
    String v = values.get(key);
    return v == null ? def : Boolean.parseBoolean(v);
  }
}

package dev.poolgate.http;

import dev.poolgate.config.GatewayConfig;
import dev.poolgate.config.InstanceConfig;

/**
 * How an instance's upstream key is shown: never the key, only enough to tell keys apart —
 * {@code sk-...a1b2} (the first 3 and the last 4 characters). A key too short to keep 5 hidden
 * characters shows only its last 2, and an instance without a key is shown by its id.
 */
public final class KeyMask {
  static final String ELLIPSIS = "...";
  private static final int HEAD = 3;
  private static final int TAIL = 4;
  private static final int SHORT_TAIL = 2;
  /** Below this length first 3 + last 4 would reveal most of the key. */
  private static final int MIN_FULL_MASK_LENGTH = HEAD + TAIL + 5;

  private KeyMask() {
  }

  /** The masked key, or null for no key. */
  public static String mask(String key) {
    if (key == null || key.isEmpty()) {
      return null;
    }
    if (key.length() < MIN_FULL_MASK_LENGTH) {
      return ELLIPSIS + key.substring(Math.max(0, key.length() - SHORT_TAIL));
    }
    return key.substring(0, HEAD) + ELLIPSIS + key.substring(key.length() - TAIL);
  }

  /** How an instance is named in the load reports: its masked key, or its id when it has none. */
  public static String label(InstanceConfig instance) {
    String masked = mask(instance.apiKey());
    return masked == null ? instance.id() : masked;
  }

  /**
   * Text with every configured upstream key replaced by its mask: error messages an upstream sent
   * back may quote the key they were called with.
   */
  public static String scrub(String text, GatewayConfig config) {
    if (text == null) {
      return null;
    }
    String out = text;
    for (InstanceConfig i : config.instances().values()) {
      String key = i.apiKey();
      if (key != null && !key.isEmpty() && out.contains(key)) {
        out = out.replace(key, mask(key));
      }
    }
    return out;
  }
}

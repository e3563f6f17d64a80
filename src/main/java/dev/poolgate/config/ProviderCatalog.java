package dev.poolgate.config;

import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every value an instance's {@code provider:} may take: which adapter speaks for it, the defaults
 * a preset fills in, and the provider-specific keys it accepts (kept in
 * {@link InstanceConfig#settings()} and checked here at start-up, so a bad key names itself).
 * Adding a provider is one entry here and one adapter in the provider verticle.
 */
public final class ProviderCatalog {

  /** Checks the provider-specific settings of one instance; throws {@link ConfigException}. */
  @FunctionalInterface
  interface SettingsCheck {
    void check(Fields settings);
  }

  /**
   * @param adapter        the adapter that speaks this provider's protocol
   * @param defaultBaseUrl filled in when the instance sets no base_url (null: base_url required)
   * @param modelRequired  whether the instance must name the upstream model
   * @param settings       provider-specific keys allowed on the instance
   */
  public record Kind(String name, String adapter, String defaultBaseUrl, boolean modelRequired,
                     Set<String> settings, SettingsCheck check) {
  }

  private static final Map<String, Kind> KINDS = new LinkedHashMap<>();

  static {
    add(new Kind("openai", "openai", null, true, Set.of(), f -> { }));
    add(new Kind("mock", "mock", null, false, Set.of("mock"), f -> MockOptions.from(f.object("mock"))));
    add(new Kind("anthropic", "anthropic", "https://api.anthropic.com", true,
        Set.of("anthropic_version", "default_max_tokens"), f -> {
          f.string("anthropic_version", null);
          f.integer("default_max_tokens", 0, 1, 1_000_000);
        }));
    add(new Kind("bedrock", "bedrock", "https://bedrock-runtime.{region}.amazonaws.com", true,
        Set.of("region", "access_key_id", "secret_access_key", "session_token"), ProviderCatalog::checkBedrock));
  }

  private ProviderCatalog() {
  }

  /** A region and a key pair must come from the instance or from the standard AWS environment variables. */
  private static void checkBedrock(Fields f) {
    if (f.string("region", System.getenv("AWS_REGION")) == null && System.getenv("AWS_DEFAULT_REGION") == null) {
      throw new ConfigException(f.key("region"), "is required (or set AWS_REGION)");
    }
    boolean id = f.string("access_key_id", null) != null;
    boolean secret = f.string("secret_access_key", null) != null;
    if (id != secret) {
      throw new ConfigException(f.key(id ? "secret_access_key" : "access_key_id"), "is required with "
          + (id ? "access_key_id" : "secret_access_key"));
    }
    if (!id && System.getenv("AWS_ACCESS_KEY_ID") == null) {
      throw new ConfigException(f.key("access_key_id"), "is required (or set AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)");
    }
    f.string("session_token", null);
  }

  private static void add(Kind kind) {
    KINDS.put(kind.name(), kind);
  }

  public static Set<String> names() {
    return new TreeSet<>(KINDS.keySet());
  }

  /** The kind of a provider name, or a config error naming the key. */
  static Kind kind(String provider, String key) {
    Kind kind = KINDS.get(provider);
    if (kind == null) {
      throw new ConfigException(key, "unknown provider '" + provider + "' (known: " + String.join(", ", names()) + ")");
    }
    return kind;
  }

  /** Picks out and checks the provider-specific keys of an instance. */
  static JsonObject settings(Kind kind, Fields instance) {
    JsonObject settings = new JsonObject();
    for (String key : kind.settings()) {
      if (instance.has(key)) {
        settings.put(key, instance.raw().getValue(key));
      }
    }
    kind.check().check(new Fields(settings, instance.key("").replaceAll("\\.$", "")));
    return settings;
  }
}

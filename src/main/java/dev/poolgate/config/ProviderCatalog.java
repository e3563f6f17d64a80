package dev.poolgate.config;

import dev.poolgate.provider.Endpoint;
import io.vertx.core.json.JsonObject;

import java.util.EnumSet;

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

  /** Derives an instance's base URL from its provider-specific settings (already checked). */
  @FunctionalInterface
  interface SettingsUrl {
    String baseUrl(Fields settings);
  }

  /**
   * @param adapter        the adapter that speaks this provider's protocol
   * @param defaultBaseUrl filled in when the instance sets no base_url (null: base_url required)
   * @param modelRequired  whether the instance must name the upstream model
   * @param settings       provider-specific keys allowed on the instance
   * @param settingsUrl    when not null, the base URL comes from the settings and base_url is not accepted
   */
  public record Kind(String name, String adapter, String defaultBaseUrl, boolean modelRequired,
                     Set<String> settings, SettingsCheck check, SettingsUrl settingsUrl) {
    public Kind(String name, String adapter, String defaultBaseUrl, boolean modelRequired,
                Set<String> settings, SettingsCheck check) {
      this(name, adapter, defaultBaseUrl, modelRequired, settings, check, null);
    }
  }

  /**
   * What each adapter can serve; an adapter not listed serves chat and completions. Requests for
   * an endpoint skip the instances that cannot serve it.
   */
  private static final Map<String, Set<Endpoint>> ENDPOINTS = Map.of(
      "openai", EnumSet.of(Endpoint.CHAT, Endpoint.COMPLETIONS, Endpoint.EMBEDDINGS),
      "azure", EnumSet.of(Endpoint.CHAT, Endpoint.COMPLETIONS, Endpoint.EMBEDDINGS),
      "gemini", EnumSet.of(Endpoint.CHAT),
      "anthropic", EnumSet.of(Endpoint.CHAT, Endpoint.COMPLETIONS, Endpoint.COUNT_TOKENS));
  private static final Set<Endpoint> DEFAULT_ENDPOINTS = EnumSet.of(Endpoint.CHAT, Endpoint.COMPLETIONS);

  private static final Map<String, Kind> KINDS = new LinkedHashMap<>();

  static {
    add(new Kind("openai", "openai", null, true, Set.of(), f -> { }));
    // OpenAI-compatible services: only the base URL differs, the openai adapter speaks for them
    add(new Kind("deepseek", "openai", "https://api.deepseek.com/v1", true, Set.of(), f -> { }));
    add(new Kind("qwen", "openai", "https://dashscope.aliyuncs.com/compatible-mode/v1", true, Set.of(), f -> { }));
    add(new Kind("zhipu", "openai", "https://open.bigmodel.cn/api/paas/v4", true, Set.of(), f -> { }));
    add(new Kind("moonshot", "openai", "https://api.moonshot.cn/v1", true, Set.of(), f -> { }));
    add(new Kind("vllm", "openai", null, true, Set.of(), f -> { }));
    add(new Kind("ollama", "openai", "http://127.0.0.1:11434/v1", true, Set.of(), f -> { }));
    add(new Kind("azure", "azure", null, false, AzureDeployment.KEYS, AzureDeployment::check,
        f -> AzureDeployment.from(f).baseUrl()));
    add(new Kind("gemini", "gemini", "https://generativelanguage.googleapis.com/v1beta", true, Set.of(), f -> { }));
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

  /** Whether instances speaking through this adapter can serve the endpoint. */
  public static boolean serves(String adapter, Endpoint endpoint) {
    return ENDPOINTS.getOrDefault(adapter, DEFAULT_ENDPOINTS).contains(endpoint);
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
    kind.check().check(settingsFields(settings, instance));
    return settings;
  }

  /** The base URL a kind with {@link Kind#settingsUrl()} derives from checked settings. */
  static String settingsBaseUrl(Kind kind, JsonObject settings, Fields instance) {
    return kind.settingsUrl().baseUrl(settingsFields(settings, instance));
  }

  /** The settings read with the instance's key path, so errors name e.g. {@code pools.p.instances[0].url}. */
  private static Fields settingsFields(JsonObject settings, Fields instance) {
    return new Fields(settings, instance.key("").replaceAll("\\.$", ""));
  }
}

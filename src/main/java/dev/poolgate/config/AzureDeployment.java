package dev.poolgate.config;

import io.vertx.core.json.JsonObject;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where an Azure OpenAI deployment lives: the resource endpoint, the deployment name and the REST
 * {@code api-version}. Configured either as the three keys {@code endpoint}, {@code deployment},
 * {@code api_version}, or as {@code url}, the deployment URL the Azure portal shows
 * ({@code https://NAME.openai.azure.com/openai/deployments/DEPLOYMENT/chat/completions?api-version=V},
 * or only {@code .../openai/deployments/DEPLOYMENT/} with {@code api_version} beside it).
 */
public record AzureDeployment(String endpoint, String deployment, String apiVersion) {
  /** The provider-specific keys of an {@code azure} instance. */
  public static final Set<String> KEYS = Set.of("endpoint", "deployment", "api_version", "url", "entra_token");

  /** scheme://host[:port][/gateway prefix] /openai/deployments/NAME [/operation] [/] [?query] */
  private static final Pattern URL = Pattern.compile(
      "(https?://[^/?#\\s]+(?:/[^?#\\s]*?)?)/openai/deployments/([A-Za-z0-9._-]+)"
          + "(?:/(?:chat/completions|completions|embeddings))?/?(?:\\?([^#\\s]*))?");
  private static final Pattern ENDPOINT = Pattern.compile("https?://[^/?#\\s]+(?:/[^?#\\s]*)?");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");

  /** Upstream base URL the OpenAI operation paths are appended to. */
  public String baseUrl() {
    return endpoint + "/openai/deployments/" + deployment;
  }

  /** Reads the settings of an instance already checked at start-up. */
  public static AzureDeployment of(JsonObject settings) {
    return from(new Fields(settings, ""));
  }

  static void check(Fields settings) {
    from(settings);
  }

  static AzureDeployment from(Fields f) {
    if (f.has("url")) {
      for (String other : new String[] {"endpoint", "deployment"}) {
        if (f.has(other)) {
          throw new ConfigException(f.key(other), "give either url or endpoint + deployment, not both");
        }
      }
      AzureDeployment parsed = parse(f.string("url"), f.key("url"));
      if (parsed.apiVersion() != null && f.has("api_version")) {
        throw new ConfigException(f.key("api_version"), "the url already carries api-version=" + parsed.apiVersion());
      }
      String version = parsed.apiVersion() != null ? parsed.apiVersion() : f.string("api_version");
      return new AzureDeployment(parsed.endpoint(), parsed.deployment(), version);
    }
    String endpoint = stripSlash(f.string("endpoint"));
    if (!ENDPOINT.matcher(endpoint).matches()) {
      throw new ConfigException(f.key("endpoint"), "must be an http(s) URL such as https://NAME.openai.azure.com, got '"
          + endpoint + "'");
    }
    String deployment = f.string("deployment");
    if (!NAME.matcher(deployment).matches()) {
      throw new ConfigException(f.key("deployment"), "must be a deployment name (letters, digits, . _ -), got '"
          + deployment + "'");
    }
    return new AzureDeployment(endpoint, deployment, f.string("api_version"));
  }

  /**
   * Parses a deployment URL; the api version is null when the URL carries none.
   *
   * @param key the config key named in the error
   */
  public static AzureDeployment parse(String url, String key) {
    Matcher m = URL.matcher(url.trim());
    if (!m.matches()) {
      throw new ConfigException(key, "must be an Azure OpenAI deployment URL like https://NAME.openai.azure.com"
          + "/openai/deployments/DEPLOYMENT/chat/completions?api-version=2024-10-21, got '" + url + "'");
    }
    String version = null;
    if (m.group(3) != null) {
      for (String param : m.group(3).split("&")) {
        if (param.startsWith("api-version=") && param.length() > "api-version=".length()) {
          version = param.substring("api-version=".length());
        }
      }
    }
    return new AzureDeployment(m.group(1), m.group(2), version);
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}

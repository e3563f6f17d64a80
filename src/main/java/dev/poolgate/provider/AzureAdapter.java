package dev.poolgate.provider;

import dev.poolgate.config.AzureDeployment;
import dev.poolgate.config.InstanceConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

/**
 * Azure OpenAI: the OpenAI protocol on a deployment URL
 * ({@code ENDPOINT/openai/deployments/DEPLOYMENT/chat/completions?api-version=V}), authenticated
 * by an {@code api-key} header or an Entra ID Bearer token. Answers and errors are OpenAI's, so
 * everything past the request line is {@link OpenAiAdapter}'s.
 */
public final class AzureAdapter implements ProviderAdapter {
  static final CharSequence API_KEY = HttpHeaders.createOptimized("api-key");

  private final OpenAiAdapter protocol;

  public AzureAdapter(Vertx vertx, HttpClient client) {
    this.protocol = new OpenAiAdapter(vertx, client, new Dialect());
  }

  @Override
  public boolean speaks(Protocol protocol, InstanceConfig instance) {
    return this.protocol.speaks(protocol, instance);
  }

  @Override
  public Future<UpstreamReply> call(ProviderCall call) {
    return protocol.call(call);
  }

  @Override
  public Future<Void> probe(InstanceConfig instance, long timeoutMs) {
    return protocol.probe(instance, timeoutMs);
  }

  private static final class Dialect implements OpenAiAdapter.Dialect {
    @Override
    public String uri(InstanceConfig instance, Endpoint endpoint) {
      // the instance's base URL is the deployment's (ProviderCatalog derives it from the settings)
      return instance.baseUrl() + endpoint.path() + "?api-version=" + AzureDeployment.of(instance.settings()).apiVersion();
    }

    @Override
    public String responsesUri(InstanceConfig instance) {
      // the v1 API: no api-version, the deployment named as the model
      return AzureDeployment.of(instance.settings()).endpoint() + "/openai/v1" + OpenAiAdapter.RESPONSES_PATH;
    }

    @Override
    public String probeUri(InstanceConfig instance) {
      AzureDeployment d = AzureDeployment.of(instance.settings());
      // the resource's model list: proves the endpoint is up and the credentials are good
      return d.endpoint() + "/openai/models?api-version=" + d.apiVersion();
    }

    @Override
    public void authorize(RequestOptions options, InstanceConfig instance) {
      String token = instance.settings().getString("entra_token");
      if (token != null) {
        options.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token);
      } else if (instance.apiKey() != null) {
        options.putHeader(API_KEY, instance.apiKey());
      }
      instance.headers().forEach(options::putHeader);
    }

    @Override
    public JsonObject body(ProviderCall call) {
      // the deployment decides the model; Azure ignores or rejects a model field that disagrees
      JsonObject body = OpenAiAdapter.STANDARD.body(call);
      if (call.protocol() == Protocol.RESPONSES) {
        return body.put("model", AzureDeployment.of(call.instance().settings()).deployment());
      }
      body.remove("model");
      return body;
    }
  }
}

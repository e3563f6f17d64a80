package dev.poolgate.http;

import dev.poolgate.config.GatewayConfig;
import dev.poolgate.dispatch.ReplySink;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * The wire shape of one family of routes: how its request body becomes an OpenAI-shaped one and
 * how the OpenAI-shaped answer goes back. Everything between — caps, queue, retries, errors — is
 * the same for every shape.
 */
interface ApiShape {

  /** OpenAI itself: bodies and answers pass as they are. */
  ApiShape OPENAI = new ApiShape() {
    @Override
    public JsonObject request(JsonObject body, GatewayConfig config) {
      return body;
    }

    @Override
    public ReplySink sink(HttpServerResponse resp) {
      return new HttpReplySink(resp);
    }
  };

  /** The OpenAI-shaped request for a body of this shape (validated afterwards like any other). */
  JsonObject request(JsonObject body, GatewayConfig config);

  /** Where the answer to one request goes. */
  ReplySink sink(HttpServerResponse resp);
}

package dev.poolgate;

import dev.poolgate.config.ConfigException;
import dev.poolgate.testing.Await;
import dev.poolgate.testing.GatewayFixture;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetAddress;
import java.net.ServerSocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A node that cannot start says why in one line that tells what to change. */
@ExtendWith(VertxExtension.class)
class StartupErrorsTest {

  @Test
  void aTakenPortIsNamedWithTheVariableThatMovesIt(Vertx vertx) throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      JsonObject config = GatewayFixture.onePool(new JsonObject().put("id", "m").put("provider", "mock")
          .put("max_concurrency", 1));
      config.getJsonObject("server").put("port", port);
      Throwable failure = Await.awaitFailure(GatewayFixture.start(vertx, config));
      ConfigException e = assertInstanceOf(ConfigException.class, failure);
      assertEquals("server.port", e.key());
      assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
      assertTrue(e.getMessage().contains("POOLGATE_SERVER_PORT=" + (port + 1)), e.getMessage());
      assertTrue(e.getMessage().contains("in use"), e.getMessage());
    }
  }
}

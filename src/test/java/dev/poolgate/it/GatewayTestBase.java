package dev.poolgate.it;

import dev.poolgate.testing.FakeOpenAi;
import dev.poolgate.testing.GatewayFixture;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static dev.poolgate.testing.Await.await;

/**
 * A fresh Vert.x per test (the extension closes it), fake upstreams and one gateway on loopback.
 * Every test ends by checking that no slot, ticket or grant leaked.
 */
@ExtendWith(VertxExtension.class)
abstract class GatewayTestBase {
  protected Vertx vertx;
  protected GatewayFixture gw;
  private final List<FakeOpenAi> fakes = new ArrayList<>();

  @BeforeEach
  void setUpVertx(Vertx vertx) {
    this.vertx = vertx;
  }

  @AfterEach
  void noSlotLeaked() {
    try {
      fakes.forEach(FakeOpenAi::release);
      if (gw != null) {
        gw.assertNoLeak();
      }
    } finally {
      if (gw != null) {
        await(gw.close());
      }
    }
  }

  protected FakeOpenAi fake() {
    FakeOpenAi f = await(FakeOpenAi.start(vertx));
    fakes.add(f);
    return f;
  }

  protected GatewayFixture gateway(JsonObject config) {
    gw = GatewayFixture.startBlocking(vertx, config);
    return gw;
  }
}

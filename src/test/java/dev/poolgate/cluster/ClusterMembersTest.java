package dev.poolgate.cluster;

import dev.poolgate.testing.GatewayFixture;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;

import static dev.poolgate.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GET /cluster/members: its shape, and a standalone node listing itself (the clustered case: ClusterGatewayTest). */
@ExtendWith(VertxExtension.class)
class ClusterMembersTest {

  @Test
  void aMemberWithoutAGatewayHasNoHttpNorUptime() {
    Instant now = Instant.parse("2026-03-14T10:00:00Z");
    JsonObject plain = ClusterMembers.member("10.0.0.7:5701", "u-1", false, true, "5.3.8", null, now);
    assertEquals(false, plain.getBoolean("gateway"));
    assertEquals(true, plain.getBoolean("lite_member"));
    assertNull(plain.getValue("http"));
    assertNull(plain.getValue("uptime_s"));
    JsonObject gateway = ClusterMembers.member("10.0.0.8:5701", "u-2", true, false, "5.3.8",
        new JsonObject().put("http", "0.0.0.0:8080").put("started_at", "2026-03-14T09:58:20Z"), now);
    assertEquals(true, gateway.getBoolean("gateway"));
    assertEquals("0.0.0.0:8080", gateway.getString("http"));
    assertEquals(100L, gateway.getLong("uptime_s"));
  }

  @Test
  void aStandaloneNodeListsItself(Vertx vertx) {
    GatewayFixture gw = GatewayFixture.startBlocking(vertx, GatewayFixture.onePool(
        new JsonObject().put("id", "m").put("provider", "mock").put("max_concurrency", 1)));
    try {
      JsonObject body = await(WebClient.create(vertx).get(gw.port(), "127.0.0.1", "/cluster/members").send())
          .bodyAsJsonObject();
      assertEquals("standalone", body.getString("mode"));
      assertEquals(1, body.getInteger("size"));
      JsonObject self = body.getJsonArray("members").getJsonObject(0);
      assertEquals(true, self.getBoolean("this_node"));
      assertEquals(true, self.getBoolean("gateway"));
      assertEquals("127.0.0.1:" + gw.port(), self.getString("http"));
      assertTrue(self.getLong("uptime_s") >= 0, self.encode());
    } finally {
      await(gw.close());
    }
  }
}

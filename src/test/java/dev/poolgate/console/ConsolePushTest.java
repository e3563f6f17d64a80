package dev.poolgate.console;

import dev.poolgate.Gateway;
import dev.poolgate.config.ConfigLoader;
import dev.poolgate.protocol.SseEvent;
import dev.poolgate.protocol.SseFramer;
import dev.poolgate.testing.Await;
import dev.poolgate.testing.Ports;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static dev.poolgate.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The push route under many consoles: 500 connected consoles all get the same view every second
 * while the gateway serves its load, and a console that does not read is dropped instead of
 * having its views buffered.
 */
class ConsolePushTest {
  private Vertx server;
  private Vertx clients;
  private Gateway gateway;
  private int port;

  private void start(int pools) {
    server = Vertx.vertx();
    clients = Vertx.vertx();
    port = Ports.free();
    JsonObject poolsJson = new JsonObject();
    for (int i = 0; i < pools; i++) {
      poolsJson.put("p" + i, new JsonObject().put("instances", new JsonArray().add(new JsonObject()
          .put("id", "i" + i).put("provider", "mock").put("max_concurrency", 8)
          .put("mock", new JsonObject().put("latency_ms", 10).put("tokens_per_second", 100_000)))));
    }
    JsonObject cfg = new JsonObject().put("pools", poolsJson)
        .put("health", new JsonObject().put("probe_interval_ms", 3_600_000))
        .put("server", new JsonObject().put("host", "127.0.0.1").put("port", port))
        .put("usage", new JsonObject().put("enabled", false));
    gateway = await(Gateway.start(server, ConfigLoader.parse(cfg)));
  }

  @BeforeEach
  void noop() {
    // each test starts its own gateway with the pools it needs
  }

  @AfterEach
  void tearDown() {
    if (gateway != null) {
      await(gateway.close());
    }
    if (clients != null) {
      await(clients.close());
    }
    if (server != null) {
      await(server.close());
    }
  }

  @Test
  void fiveHundredConsolesGetEveryViewWhileTheGatewayServes() {
    start(2);
    int consoles = 500;
    HttpClient http = clients.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port),
        new PoolOptions().setHttp1MaxSize(consoles + 10));
    AtomicIntegerArray views = new AtomicIntegerArray(consoles);
    AtomicInteger histories = new AtomicInteger();
    List<Future<?>> opened = new ArrayList<>();
    for (int c = 0; c < consoles; c++) {
      int me = c;
      SseFramer framer = new SseFramer();
      opened.add(http.request(HttpMethod.GET, ConsoleRoutes.STREAM_PATH).compose(req -> req.send()).map(resp -> {
        assertEquals(200, resp.statusCode());
        resp.handler(bytes -> {
          for (SseEvent e : framer.push(bytes)) {
            if ("view".equals(e.event())) {
              views.incrementAndGet(me);
            } else if ("history".equals(e.event())) {
              histories.incrementAndGet();
            }
          }
        });
        return resp;
      }));
    }
    Await.await(Future.all(opened), Duration.ofSeconds(30));
    Await.until("every console is subscribed", Duration.ofSeconds(10),
        () -> gateway.node().console().subscribers() == consoles);

    // load on the gateway meanwhile: every request answered
    WebClient web = WebClient.create(clients);
    AtomicInteger failed = new AtomicInteger();
    JsonObject body = new JsonObject().put("model", "p0").put("max_tokens", 2)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    long loadStart = System.nanoTime();
    for (int wave = 0; wave < 30; wave++) {
      List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
      for (int k = 0; k < 10; k++) {
        sent.add(web.post(port, "127.0.0.1", "/v1/chat/completions").timeout(10_000).sendJsonObject(body));
      }
      Await.await(Future.join(sent), Duration.ofSeconds(20));
      sent.forEach(f -> {
        if (f.failed() || f.result().statusCode() != 200) {
          failed.incrementAndGet();
        }
      });
    }
    long loadMs = (System.nanoTime() - loadStart) / 1_000_000;
    assertEquals(0, failed.get(), "the gateway answers every request while 500 consoles watch");
    assertTrue(loadMs < 20_000, "300 requests of 10 ms, 10 at a time, took " + loadMs + " ms");

    Await.until("every console got its history and at least 3 views", Duration.ofSeconds(15), () -> {
      for (int c = 0; c < consoles; c++) {
        if (views.get(c) < 3) {
          return false;
        }
      }
      return histories.get() == consoles;
    });
    assertEquals(consoles, gateway.node().console().subscribers(), "readers that keep up are never dropped");
    http.close();
    Await.until("closed consoles leave", Duration.ofSeconds(10), () -> gateway.node().console().subscribers() == 0);
  }

  @Test
  void thePageAndItsFilesComeFromTheJarAndNothingElse() {
    start(1);
    WebClient web = WebClient.create(clients);
    HttpResponse<Buffer> page = await(web.get(port, "127.0.0.1", ConsoleRoutes.PAGE_PATH).send());
    assertEquals(200, page.statusCode());
    assertTrue(page.getHeader("content-type").startsWith("text/html"));
    assertEquals(ConsoleRoutes.CSP, page.getHeader("content-security-policy"), "the page may reach only this node");
    java.util.regex.Matcher refs = java.util.regex.Pattern.compile("(?:src|href)=\"([^\"#]+)\"")
        .matcher(page.bodyAsString());
    int files = 0;
    while (refs.find()) {
      String ref = refs.group(1);
      assertTrue(ref.startsWith("/console/"), "served by the node: " + ref);
      HttpResponse<Buffer> file = await(web.get(port, "127.0.0.1", ref).send());
      assertEquals(200, file.statusCode(), ref);
      assertTrue(file.body().length() > 500, ref + " has its content");
      files++;
    }
    assertEquals(4, files, "uPlot's script and style, the console's script and style");
    for (String bad : List.of("/console/nope.js", "/console/..%2Fopenapi.json", "/console/index.htm")) {
      HttpResponse<Buffer> r = await(web.get(port, "127.0.0.1", bad).send());
      assertEquals(404, r.statusCode(), bad);
      assertEquals("not_found", r.bodyAsJsonObject().getJsonObject("error").getString("code"), bad);
    }
  }

  @Test
  void aConsoleThatDoesNotReadIsDropped() throws Exception {
    // Many pools, so that the 15-minute history and the views are more than the connection holds:
    // on loopback the kernel's send buffer alone takes a few MB (its MSS is 64 KiB) before the
    // gateway's own write queue fills.
    start(200);
    try (Socket slow = new Socket()) {
      slow.setReceiveBufferSize(4096);
      slow.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      OutputStream out = slow.getOutputStream();
      out.write(("GET " + ConsoleRoutes.STREAM_PATH + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      Await.until("the console is subscribed", Duration.ofSeconds(5), () -> gateway.node().console().subscribers() == 1);
      // it never reads: its write queue fills with the history and it is dropped at a following tick
      Await.until("the console that does not read is dropped", Duration.ofSeconds(60),
          () -> gateway.node().console().subscribers() == 0);
    }
  }
}

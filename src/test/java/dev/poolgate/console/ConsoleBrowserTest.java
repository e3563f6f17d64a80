package dev.poolgate.console;

import dev.poolgate.Gateway;
import dev.poolgate.admin.AdminState;
import dev.poolgate.admin.LocalConfigStore;
import dev.poolgate.testing.Await;
import dev.poolgate.testing.Browser;
import dev.poolgate.testing.Ports;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.poolgate.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console in a real browser (headless Chromium through Selenium) against a gateway on mock
 * instances: its figures follow the load and agree with /health/detailed, an instance drained
 * from the page takes no new request and comes back when undrained, a client key created on the
 * page works, and a wrong admin token shows the error and changes nothing.
 */
class ConsoleBrowserTest {
  private static final String TOKEN = "console-admin-token-0123456789";
  private static final Duration WAIT = Duration.ofSeconds(15);
  private Vertx vertx;
  private Gateway gateway;
  private WebClient web;
  private int port;
  private ChromeDriver browser;

  @BeforeEach
  void setUp() {
    browser = Browser.open(1280, 800);
    vertx = Vertx.vertx();
    port = Ports.free();
    JsonObject p = new JsonObject().put("queue", new JsonObject().put("max_size", 100).put("timeout_ms", 10_000))
        .put("instances", new JsonArray().add(mock("m1", 300)).add(mock("m2", 300)));
    JsonObject doc = new JsonObject().put("pools", new JsonObject().put("p", p))
        .put("health", new JsonObject().put("probe_interval_ms", 3_600_000))
        .put("server", new JsonObject().put("host", "127.0.0.1").put("port", port))
        .put("usage", new JsonObject().put("jdbc_url", "jdbc:h2:mem:console-" + java.util.UUID.randomUUID()))
        .put("admin", new JsonObject().put("token", TOKEN));
    gateway = await(AdminState.open(vertx, doc, new LocalConfigStore(), Map.of())
        .compose(admin -> Gateway.start(vertx, admin)));
    web = WebClient.create(vertx, new WebClientOptions(), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(32));
  }

  @AfterEach
  void tearDown() {
    if (browser != null) {
      browser.quit();
    }
    if (gateway != null) {
      await(gateway.close());
    }
    if (vertx != null) {
      await(vertx.close());
    }
  }

  private static JsonObject mock(String id, int latencyMs) {
    return new JsonObject().put("id", id).put("provider", "mock").put("max_concurrency", 4)
        .put("mock", new JsonObject().put("latency_ms", latencyMs).put("tokens_per_second", 10_000));
  }

  private Future<HttpResponse<Buffer>> chat(String key) {
    JsonObject body = new JsonObject().put("model", "p").put("max_tokens", 2)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    var request = web.post(port, "127.0.0.1", "/v1/chat/completions").timeout(20_000);
    if (key != null) {
      request.putHeader("authorization", "Bearer " + key);
    }
    return request.sendJsonObject(body);
  }

  /** {@code clients} loops of requests, one after the other, until stopped or {@code max} were sent in all. */
  private Future<Void> load(int clients, int max, AtomicBoolean stop, AtomicInteger failures) {
    AtomicInteger sent = new AtomicInteger();
    List<Future<Void>> loops = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      Promise<Void> done = Promise.promise();
      loops.add(done.future());
      next(stop, sent, max, failures, done);
    }
    return Future.all(loops).mapEmpty();
  }

  private void next(AtomicBoolean stop, AtomicInteger sent, int max, AtomicInteger failures, Promise<Void> done) {
    if (stop.get() || sent.incrementAndGet() > max) {
      done.complete();
      return;
    }
    chat(null).onComplete(ar -> {
      if (ar.failed() || ar.result().statusCode() != 200) {
        failures.incrementAndGet();
      }
      next(stop, sent, max, failures, done);
    });
  }

  private JsonObject health() {
    return await(web.get(port, "127.0.0.1", "/health/detailed").send()).bodyAsJsonObject();
  }

  private JsonObject healthOf(String instance) {
    JsonObject pool = health().getJsonArray("pools").getJsonObject(0);
    for (Object o : pool.getJsonArray("instances")) {
      if (((JsonObject) o).getString("id").equals(instance)) {
        return (JsonObject) o;
      }
    }
    throw new AssertionError("no instance " + instance);
  }

  private String text(String css) {
    return browser.findElement(By.cssSelector(css)).getText();
  }

  /** The "in flight / cap" figure the page shows for an instance. */
  private int[] shownLoad(String instance) {
    String[] parts = text("[data-instance='" + instance + "'] [data-field='load']").split(" / ");
    return new int[] {Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim())};
  }

  /** Views the page has received (it counts them for its devtools). */
  private long viewsSeen() {
    return ((Number) browser.executeScript("return window.poolgateConsole.views()")).longValue();
  }

  private WebDriverWait waiting() {
    return new WebDriverWait(browser, WAIT);
  }

  private void useToken(String token) {
    WebElement input = browser.findElement(By.id("token-input"));
    input.clear();
    input.sendKeys(token);
    browser.findElement(By.id("token-save")).click();
  }

  /** Clicks and waits for the page to show the server's answer with the given status. */
  private String answerAfter(Runnable action, int status) {
    browser.executeScript("document.getElementById('answer').dataset.status = ''");
    action.run();
    waiting().until(d -> !d.findElement(By.id("answer")).getDomAttribute("data-status").isEmpty());
    String answer = text("#answer");
    assertEquals(String.valueOf(status), browser.findElement(By.id("answer")).getDomAttribute("data-status"), answer);
    return answer;
  }

  @Test
  void theConsoleShowsTheLoadAndOperatesTheGateway() {
    browser.get("http://127.0.0.1:" + port + "/console");
    waiting().until(d -> text("#conn").equals("live") && !d.findElements(By.cssSelector("[data-instance='m1']")).isEmpty());
    assertEquals(0, shownLoad("m1")[0]);
    assertEquals(4, shownLoad("m1")[1]);

    // --- the figures follow the load and agree with /health/detailed
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger failures = new AtomicInteger();
    Future<Void> load = load(6, 400, stop, failures);
    int[] peak = new int[1];
    waiting().until(d -> {
      int shown = shownLoad("m1")[0] + shownLoad("m2")[0];
      peak[0] = Math.max(peak[0], shown);
      return shown >= 4;
    });
    JsonObject m1 = healthOf("m1");
    assertEquals(m1.getInteger("max_concurrency"), shownLoad("m1")[1], "cap as /health/detailed says");
    assertEquals(m1.getString("health"), text("[data-instance='m1'] [data-field='health']"));
    int healthInFlight = health().getJsonArray("pools").getJsonObject(0).getInteger("in_flight");
    assertTrue(Math.abs(healthInFlight - (shownLoad("m1")[0] + shownLoad("m2")[0])) <= 2,
        "in flight under steady load (6 clients) close to /health/detailed's " + healthInFlight);
    stop.set(true);
    await(load, Duration.ofSeconds(30));
    assertEquals(0, failures.get());
    waiting().until(d -> shownLoad("m1")[0] == 0 && shownLoad("m2")[0] == 0);
    assertEquals(0, healthOf("m1").getInteger("in_flight"), "at rest both say 0");
    waiting().until(d -> {
      Object ok = browser.executeScript("return window.poolgateConsole.lineSum('*', 'ok')");
      return ok instanceof Number n && n.longValue() > 0;
    });

    // --- a wrong token shows the error and changes nothing
    useToken("wrong-token-000000000000");
    new Select(browser.findElement(By.id("inst-pool"))).selectByValue("p");
    browser.findElement(By.id("inst-id")).sendKeys("m2");
    browser.findElement(By.id("inst-cap")).sendKeys("3");
    String refused = answerAfter(() -> browser.findElement(By.id("inst-edit")).click(), 401);
    assertTrue(refused.contains("wrong admin token"), refused);
    assertEquals(4, healthOf("m2").getInteger("max_concurrency"), "nothing changed");
    assertEquals("no token", text("#token-state"), "a refused token is forgotten");

    // --- a validation error names the key
    useToken(TOKEN);
    WebElement cap = browser.findElement(By.id("inst-cap"));
    cap.clear();
    cap.sendKeys("0");
    String invalid = answerAfter(() -> browser.findElement(By.id("inst-edit")).click(), 400);
    assertTrue(invalid.contains("max_concurrency"), invalid);
    assertEquals(4, healthOf("m2").getInteger("max_concurrency"));

    // --- drain from the page, by keyboard: the button keeps its focus while views arrive
    WebElement drain = browser.findElement(By.cssSelector("[data-instance='m1'] [data-act='drain']"));
    browser.executeScript("arguments[0].focus()", drain);
    long views = viewsSeen();
    waiting().until(d -> viewsSeen() >= views + 2);
    assertEquals(Boolean.TRUE, browser.executeScript("return document.activeElement === arguments[0]", drain),
        "the figures change in place, without taking the focus");
    answerAfter(() -> browser.switchTo().activeElement().sendKeys(org.openqa.selenium.Keys.ENTER), 200);
    waiting().until(d -> !d.findElements(By.cssSelector("[data-instance='m1'] [data-field='drained']")).isEmpty());
    List<Future<HttpResponse<Buffer>>> whileDrained = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      whileDrained.add(chat(null));
    }
    await(Future.all(whileDrained), Duration.ofSeconds(30));
    for (Future<HttpResponse<Buffer>> f : whileDrained) {
      assertEquals(200, f.result().statusCode());
      assertEquals("m2", f.result().getHeader("x-poolgate-instance"), "a drained instance takes no new request");
    }
    answerAfter(() -> browser.findElement(By.cssSelector("[data-instance='m1'] [data-act='undrain']")).click(), 200);
    waiting().until(d -> d.findElements(By.cssSelector("[data-instance='m1'] [data-field='drained']")).isEmpty());
    boolean back = false;
    for (int round = 0; round < 5 && !back; round++) {
      List<Future<HttpResponse<Buffer>>> burst = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        burst.add(chat(null));
      }
      await(Future.all(burst), Duration.ofSeconds(30));
      back = burst.stream().anyMatch(f -> "m1".equals(f.result().getHeader("x-poolgate-instance")));
    }
    assertTrue(back, "undrained, m1 serves again");

    // --- usage per key, model and day: the requests just served are in the table
    browser.findElement(By.id("usage-load")).click();
    waiting().until(d -> !d.findElements(By.cssSelector("#usage-table tbody tr")).isEmpty());
    assertTrue(text("#usage-table tbody").contains("p"), text("#usage-table tbody"));
    assertTrue(!browser.findElements(By.cssSelector("#usage-chart canvas")).isEmpty(), "usage is drawn");

    // --- export, then import the same configuration back
    answerAfter(() -> browser.findElement(By.id("config-export")).click(), 200);
    String exported = browser.findElement(By.id("config-text")).getDomProperty("value");
    assertTrue(exported.contains("pools:") && exported.contains("m1"), exported);
    answerAfter(() -> {
      browser.findElement(By.id("config-import")).click();
      waiting().until(org.openqa.selenium.support.ui.ExpectedConditions.alertIsPresent()).accept();
    }, 200);

    // --- a client key created on the page, shown once, opens the gateway to its holder
    browser.findElement(By.id("key-name")).sendKeys("from-console");
    answerAfter(() -> browser.findElement(By.id("key-create")).click(), 201);
    waiting().until(d -> text("#key-shown").startsWith("pg-"));
    String key = text("#key-shown");
    assertEquals(200, await(chat(key)).statusCode(), "the new key works");
    assertEquals(401, await(chat(null)).statusCode(), "with a key configured, no key is refused");
    waiting().until(d -> !d.findElements(By.cssSelector("#keys [data-key='from-console']")).isEmpty());
    assertTrue(!text("#keys").contains(key), "the key itself is shown only once");
  }
}

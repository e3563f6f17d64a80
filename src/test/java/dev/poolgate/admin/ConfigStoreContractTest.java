package dev.poolgate.admin;

import dev.poolgate.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.poolgate.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every {@link ConfigStore} guarantees. Two handles on one store ({@code a}, {@code b}): in
 * the cluster they sit on two members, so everything told to one is seen through the other.
 */
abstract class ConfigStoreContractTest {
  protected Vertx vertx;
  protected ConfigStore a;
  protected ConfigStore b;

  /** Creates {@link #a} and {@link #b}, two handles on one fresh store. */
  protected abstract void createStores();

  protected void destroyStores() {
  }

  @BeforeEach
  void setUp() {
    createStores();
  }

  @AfterEach
  void tearDown() {
    await(a.close());
    await(b.close());
    destroyStores();
  }

  private static ConfigDocument doc(long version, int marker) {
    return ConfigDocument.of(version, new JsonObject().put("marker", marker));
  }

  @Test
  void emptyUntilTheFirstDocument() {
    assertNull(await(a.current()));
    assertNull(await(b.current()));
  }

  @Test
  void compareAndSetStoresOnlyOnTheExpectedVersion() {
    assertTrue(await(a.compareAndSet(0, doc(1, 1))));
    assertFalse(await(b.compareAndSet(0, doc(1, 2))), "nothing stored any more: version 0 is gone");
    assertFalse(await(b.compareAndSet(5, doc(6, 3))), "a wrong version stores nothing");
    assertEquals(doc(1, 1), await(b.current()));
    assertTrue(await(b.compareAndSet(1, doc(2, 4))));
    assertEquals(doc(2, 4), await(a.current()));
  }

  @Test
  void everyHandleHearsOfEveryDocument() {
    List<ConfigDocument> heardByA = new CopyOnWriteArrayList<>();
    List<ConfigDocument> heardByB = new CopyOnWriteArrayList<>();
    a.listen(heardByA::add);
    b.listen(heardByB::add);
    assertTrue(await(a.compareAndSet(0, doc(1, 1))));
    assertTrue(await(b.compareAndSet(1, doc(2, 2))));
    Await.until("both handles heard both documents", () -> heardByA.size() == 2 && heardByB.size() == 2);
    assertEquals(List.of(doc(1, 1), doc(2, 2)), heardByA);
    assertEquals(List.of(doc(1, 1), doc(2, 2)), heardByB);
  }

  /** Read, edit, CAS, retry: concurrent changes through both handles lose none. */
  @Test
  void concurrentChangesThroughBothHandlesLoseNone() {
    int perHandle = 10;
    List<Future<ConfigDocument>> all = new ArrayList<>();
    for (int i = 0; i < perHandle; i++) {
      all.add(addMarker(a, "a" + i));
      all.add(addMarker(b, "b" + i));
    }
    await(Future.all(all), java.time.Duration.ofSeconds(30));
    ConfigDocument last = await(a.current());
    assertEquals(2L * perHandle, last.version());
    for (int i = 0; i < perHandle; i++) {
      assertTrue(last.config().containsKey("a" + i), "change a" + i + " kept");
      assertTrue(last.config().containsKey("b" + i), "change b" + i + " kept");
    }
  }

  private Future<ConfigDocument> addMarker(ConfigStore store, String marker) {
    return store.current().compose(cur -> {
      long version = cur == null ? 0 : cur.version();
      JsonObject next = (cur == null ? new JsonObject() : cur.config().copy()).put(marker, true);
      ConfigDocument doc = ConfigDocument.of(version + 1, next);
      return store.compareAndSet(version, doc).compose(ok -> ok ? Future.succeededFuture(doc) : addMarker(store, marker));
    });
  }

  @Test
  void adoptKeepsTheHighestVersion() {
    assertEquals(doc(3, 3), await(a.adopt(doc(3, 3))), "an empty store takes it");
    assertEquals(doc(3, 3), await(b.adopt(doc(2, 2))), "an older one does not replace it");
    assertEquals(doc(3, 3), await(b.adopt(doc(3, 9))), "nor one of the same version");
    assertEquals(doc(5, 5), await(b.adopt(doc(5, 5))), "a newer one does");
    assertEquals(doc(5, 5), await(a.current()));
  }
}

package dev.poolgate.admin;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The config store of a cluster: one entry in the {@code IMap} {@value #MAP_NAME}, the document
 * and its version as one JSON string. Compare-and-set is {@code putIfAbsent} for the first
 * document and {@code replace(key, old, new)} after, which Hazelcast runs atomically on the
 * entry's partition; every member hears of a new document through an entry listener.
 */
public final class HazelcastConfigStore implements ConfigStore {
  public static final String MAP_NAME = "poolgate-admin";
  static final String KEY = "config";

  private final Vertx vertx;
  private final IMap<String, String> map;
  private final List<Consumer<ConfigDocument>> listeners = new CopyOnWriteArrayList<>();
  private final UUID registration;

  public HazelcastConfigStore(Vertx vertx, HazelcastInstance hz) {
    this(vertx, hz, MAP_NAME);
  }

  /** On another map (tests: one per test on a shared cluster). */
  HazelcastConfigStore(Vertx vertx, HazelcastInstance hz, String mapName) {
    this.vertx = vertx;
    this.map = hz.getMap(mapName);
    this.registration = map.addEntryListener(new Changes(), KEY, true);
  }

  @Override
  public Future<ConfigDocument> current() {
    return vertx.executeBlocking(() -> decode(map.get(KEY)), false);
  }

  @Override
  public Future<Boolean> compareAndSet(long expectedVersion, ConfigDocument next) {
    String encoded = next.toJson().encode();
    return vertx.executeBlocking(() -> {
      if (expectedVersion == ConfigDocument.FILE_VERSION) {
        return map.putIfAbsent(KEY, encoded) == null;
      }
      String old = map.get(KEY);
      ConfigDocument cur = decode(old);
      if (cur == null || cur.version() != expectedVersion) {
        return false;
      }
      return map.replace(KEY, old, encoded);
    }, false);
  }

  @Override
  public void listen(Consumer<ConfigDocument> listener) {
    listeners.add(listener);
  }

  @Override
  public Future<Void> close() {
    listeners.clear();
    return vertx.executeBlocking(() -> {
      try {
        map.removeEntryListener(registration);
      } catch (RuntimeException e) {
        // the member is already shutting down: the listener goes with it
      }
      return null;
    }, false);
  }

  private static ConfigDocument decode(String value) {
    return value == null ? null : ConfigDocument.fromJson(new JsonObject(value));
  }

  /** Entry events run on a Hazelcast event thread; listeners must not block long. */
  private final class Changes implements EntryAddedListener<String, String>, EntryUpdatedListener<String, String> {
    @Override
    public void entryAdded(EntryEvent<String, String> event) {
      deliver(event.getValue());
    }

    @Override
    public void entryUpdated(EntryEvent<String, String> event) {
      deliver(event.getValue());
    }

    private void deliver(String value) {
      ConfigDocument doc = decode(value);
      listeners.forEach(l -> l.accept(doc));
    }
  }
}

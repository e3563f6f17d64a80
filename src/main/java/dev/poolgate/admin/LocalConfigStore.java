package dev.poolgate.admin;

import io.vertx.core.Future;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** The config store of a standalone node: one document in memory. */
public final class LocalConfigStore implements ConfigStore {
  private final List<Consumer<ConfigDocument>> listeners = new CopyOnWriteArrayList<>();
  private ConfigDocument stored;

  @Override
  public synchronized Future<ConfigDocument> current() {
    return Future.succeededFuture(stored);
  }

  @Override
  public Future<Boolean> compareAndSet(long expectedVersion, ConfigDocument next) {
    synchronized (this) {
      long version = stored == null ? ConfigDocument.FILE_VERSION : stored.version();
      if (version != expectedVersion) {
        return Future.succeededFuture(false);
      }
      stored = next;
    }
    listeners.forEach(l -> l.accept(next));
    return Future.succeededFuture(true);
  }

  @Override
  public void listen(Consumer<ConfigDocument> listener) {
    listeners.add(listener);
  }

  @Override
  public Future<Void> close() {
    listeners.clear();
    return Future.succeededFuture();
  }
}

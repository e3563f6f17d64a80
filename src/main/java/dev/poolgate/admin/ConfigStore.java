package dev.poolgate.admin;

import io.vertx.core.Future;

import java.util.function.Consumer;

/**
 * Where the admin-managed configuration document lives: in memory on one node, in Hazelcast for
 * a cluster. Changes are compare-and-set on the version, so two admin calls on two nodes never
 * lose one another's change: each reads, edits, and stores only if nobody stored in between.
 */
public interface ConfigStore {

  /** The document stored, or null while none is (the config file is in force). */
  Future<ConfigDocument> current();

  /**
   * Stores {@code next} if the stored version is still {@code expectedVersion} (0: nothing
   * stored yet). Completes with false, changing nothing, if another change came first.
   */
  Future<Boolean> compareAndSet(long expectedVersion, ConfigDocument next);

  /** Calls the listener with every document stored from now on, by any node (on any thread). */
  void listen(Consumer<ConfigDocument> listener);

  Future<Void> close();

  /**
   * Stores the document unless the store holds the same or a newer version; completes with the
   * document in force afterwards (a node's persisted copy joining a cluster: the highest version wins).
   */
  default Future<ConfigDocument> adopt(ConfigDocument doc) {
    return current().compose(cur -> {
      if (cur != null && cur.version() >= doc.version()) {
        return Future.succeededFuture(cur);
      }
      return compareAndSet(cur == null ? ConfigDocument.FILE_VERSION : cur.version(), doc)
          .compose(stored -> stored ? Future.succeededFuture(doc) : adopt(doc));
    });
  }
}

package dev.poolgate.admin;

import io.vertx.core.Vertx;

import static dev.poolgate.testing.Await.await;

class LocalConfigStoreTest extends ConfigStoreContractTest {
  @Override
  protected void createStores() {
    vertx = Vertx.vertx();
    LocalConfigStore store = new LocalConfigStore();
    a = store;
    b = store;
  }

  @Override
  protected void destroyStores() {
    await(vertx.close());
  }
}

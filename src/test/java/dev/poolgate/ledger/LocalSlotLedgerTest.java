package dev.poolgate.ledger;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

/** The contract on the in-memory ledger of a standalone node. */
@ExtendWith(VertxExtension.class)
class LocalSlotLedgerTest extends SlotLedgerContractTest {
  private Vertx vertx;
  private LocalSlotLedger ledger;

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    this.ledger = new LocalSlotLedger(vertx, FAST);
  }

  @AfterEach
  void stop() {
    await(ledger.close());
  }

  @Override
  protected List<LocalSlotLedger> ledgers() {
    return List.of(ledger);
  }

  @Override
  protected Vertx vertx() {
    return vertx;
  }
}

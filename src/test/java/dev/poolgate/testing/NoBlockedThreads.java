package dev.poolgate.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;

/**
 * Fails the test (or, for warnings outside any test, the class) during which Vert.x's
 * blocked-thread checker warned: no blocking call on an event loop, enforced over the whole
 * suite. Registered for every test class by JUnit's extension auto-detection
 * (junit-platform.properties, META-INF/services).
 */
public final class NoBlockedThreads implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {

  @Override
  public void beforeAll(ExtensionContext context) {
    // what was logged after the previous class ended (its Vert.x closing) fails this one's start
    check("the start of " + context.getDisplayName() + " (or the end of the class before it)");
  }

  @Override
  public void afterEach(ExtensionContext context) {
    check(context.getDisplayName());
  }

  @Override
  public void afterAll(ExtensionContext context) {
    check(context.getDisplayName() + " (set-up or teardown)");
  }

  private static void check(String where) {
    List<String> warnings = BlockedThreadWarnings.drain();
    if (!warnings.isEmpty()) {
      throw new AssertionError("Vert.x's blocked-thread checker warned during " + where + " (limit "
          + BlockedThreadGuard.MAX_EVENT_LOOP_EXECUTE_MS + " ms): " + String.join(" | ", warnings));
    }
  }
}

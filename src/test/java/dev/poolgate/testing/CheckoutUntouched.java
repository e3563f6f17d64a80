package dev.poolgate.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Fails a test class that wrote into the checkout: a path under {@code data/} (where a node keeps
 * its usage database and admin state by default) or a top-level entry other than {@code target}
 * that was not there when the first test class started. The path is blamed on the class that
 * made it, so that class fails on every re-run and the classes after it do not. A test keeps its files in its own temporary
 * directory (or in memory), so {@code make test} never mixes rows into a developer's
 * {@code make run} node. Registered for every test class through {@code junit-platform.properties}
 * (extension auto-detection).
 */
public final class CheckoutUntouched implements BeforeAllCallback, AfterAllCallback {
  private static final Path ROOT = Path.of("").toAbsolutePath();
  private static final Set<String> BUILD_OUTPUT = Set.of("target");

  /** The checkout as the first test class found it. */
  private static Snapshot initial;
  /** Each new path, and the test class that made it (a re-run of that class fails again). */
  private static final Map<String, String> blamed = new TreeMap<>();

  @Override
  public void beforeAll(ExtensionContext context) {
    synchronized (CheckoutUntouched.class) {
      if (initial == null) {
        initial = snapshot();
      }
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    String testClass = context.getRequiredTestClass().getName();
    Snapshot after = snapshot();
    Set<String> made = new TreeSet<>();
    synchronized (CheckoutUntouched.class) {
      after.topLevel().stream().filter(p -> !initial.topLevel().contains(p)).forEach(p -> made.add(p));
      after.data().stream().filter(p -> !initial.data().contains(p)).forEach(p -> made.add(p));
      made.forEach(p -> blamed.putIfAbsent(p, testClass));
      made.removeIf(p -> !blamed.get(p).equals(testClass));
    }
    if (!made.isEmpty()) {
      throw new AssertionError(context.getDisplayName() + " wrote into the checkout " + ROOT
          + " (tests keep their files in their own temporary directory): " + made);
    }
  }

  record Snapshot(Set<String> topLevel, Set<String> data) {
  }

  static Snapshot snapshot() {
    try (Stream<Path> top = Files.list(ROOT)) {
      Set<String> names = top.map(p -> p.getFileName().toString()).filter(n -> !BUILD_OUTPUT.contains(n))
          .collect(Collectors.toCollection(TreeSet::new));
      return new Snapshot(names, dataFiles());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Every path under data/. Only new paths count: a developer's {@code make run} node may write its
   * existing files while the tests run, and on a fresh clone (CI) every file a test writes is new.
   */
  private static Set<String> dataFiles() throws IOException {
    Path data = ROOT.resolve("data");
    Set<String> files = new TreeSet<>();
    if (!Files.isDirectory(data)) {
      return files;
    }
    try (Stream<Path> all = Files.walk(data)) {
      all.forEach(p -> files.add(ROOT.relativize(p).toString()));
    } catch (UncheckedIOException vanished) {
      // a file removed while listed (a database's temp file): what was listed is enough
      return files;
    }
    return files;
  }
}

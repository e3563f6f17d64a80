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
 * Fails a test class that wrote into the checkout: anything new, changed or removed under
 * {@code data/} (where a node keeps its usage database and admin state by default) or a new
 * top-level entry other than {@code target}. A test keeps its files in its own temporary
 * directory (or in memory), so {@code make test} never mixes rows into a developer's
 * {@code make run} node. Registered for every test class through {@code junit-platform.properties}
 * (extension auto-detection).
 */
public final class CheckoutUntouched implements BeforeAllCallback, AfterAllCallback {
  private static final Path ROOT = Path.of("").toAbsolutePath();
  private static final Set<String> BUILD_OUTPUT = Set.of("target");

  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(CheckoutUntouched.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    context.getStore(NAMESPACE).put("before", snapshot());
  }

  @Override
  public void afterAll(ExtensionContext context) {
    Snapshot before = context.getStore(NAMESPACE).get("before", Snapshot.class);
    Snapshot after = snapshot();
    Set<String> newTop = new TreeSet<>(after.topLevel());
    newTop.removeAll(before.topLevel());
    Set<String> dataChanges = new TreeSet<>(before.data().keySet());
    dataChanges.addAll(after.data().keySet());
    dataChanges.removeIf(p -> before.data().get(p) != null && before.data().get(p).equals(after.data().get(p)));
    if (!newTop.isEmpty() || !dataChanges.isEmpty()) {
      throw new AssertionError(context.getDisplayName() + " wrote into the checkout " + ROOT
          + " (tests keep their files in their own temporary directory): new top-level entries " + newTop
          + ", changed under data/ " + dataChanges);
    }
  }

  record Snapshot(Set<String> topLevel, Map<String, String> data) {
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

  /** Every path under data/ with its size and modification time. */
  private static Map<String, String> dataFiles() throws IOException {
    Path data = ROOT.resolve("data");
    Map<String, String> files = new TreeMap<>();
    if (!Files.isDirectory(data)) {
      return files;
    }
    try (Stream<Path> all = Files.walk(data)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        try {
          files.put(ROOT.relativize(p).toString(), Files.isDirectory(p) ? "dir"
              : Files.size(p) + "@" + Files.getLastModifiedTime(p).toMillis());
        } catch (IOException gone) {
          files.put(ROOT.relativize(p).toString(), "vanished while listed");
        }
      }
    }
    return files;
  }
}

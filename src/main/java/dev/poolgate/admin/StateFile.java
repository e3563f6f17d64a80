package dev.poolgate.admin;

import dev.poolgate.config.ConfigException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The admin document persisted in {@code admin.state_dir}: {@value #NAME}, {@code {"version":N,
 * "config":{...}}}. Written to a temporary file and renamed over the old one, so a crash leaves
 * either the old or the new document, never half of one. Blocking: call it off the event loop.
 */
public final class StateFile {
  public static final String NAME = "config.json";

  private StateFile() {
  }

  /** The persisted document, or null if there is none. */
  public static ConfigDocument read(Path dir) {
    Path file = dir.resolve(NAME);
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      ConfigDocument doc = ConfigDocument.fromJson(new JsonObject(Files.readString(file, StandardCharsets.UTF_8)));
      if (doc.config() == null || doc.version() <= ConfigDocument.FILE_VERSION) {
        throw new ConfigException("admin.state_dir", file + " has no config or no version above 0");
      }
      return doc;
    } catch (DecodeException | ClassCastException | NullPointerException e) {
      throw new ConfigException("admin.state_dir", file + " is not a poolgate state file: " + e.getMessage());
    } catch (IOException e) {
      throw new ConfigException("admin.state_dir", "cannot read " + file + ": " + e.getMessage());
    }
  }

  public static void write(Path dir, ConfigDocument doc) {
    try {
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, NAME, ".tmp");
      Files.writeString(tmp, doc.toJson().encodePrettily(), StandardCharsets.UTF_8);
      try {
        Files.move(tmp, dir.resolve(NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, dir.resolve(NAME), StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("writing the admin state to " + dir, e);
    }
  }
}

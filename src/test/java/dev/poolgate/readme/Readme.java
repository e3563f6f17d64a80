package dev.poolgate.readme;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fenced blocks of a Markdown file, each with its language, its first line number, the
 * section it is in and the marker comment right above it, if any:
 * {@code <!-- not-run: reason -->} (the block is not executed, and says why) or
 * {@code <!-- run-with: SETUP -->} (the block runs against a setup other than the shipped config).
 */
public record Readme(List<Readme.Block> blocks) {
  private static final Pattern FENCE = Pattern.compile("^(\\s*)```\\s*([A-Za-z0-9_+-]*)\\s*$");
  private static final Pattern MARKER = Pattern.compile("^<!--\\s*(not-run|run-with)\\s*:\\s*(.*?)\\s*-->$");

  /** One fenced block. */
  public record Block(String language, int line, String section, String text, String marker, String markerValue) {
    public boolean notRun() {
      return "not-run".equals(marker);
    }

    public String runWith() {
      return "run-with".equals(marker) ? markerValue : null;
    }

    @Override
    public String toString() {
      return "README.md line " + line + " (" + language + (section.isEmpty() ? "" : ", " + section) + ")";
    }
  }

  public static Readme read(Path file) throws IOException {
    return parse(Files.readString(file));
  }

  public static Readme parse(String markdown) {
    List<Block> blocks = new ArrayList<>();
    String[] lines = markdown.split("\n", -1);
    String section = "";
    String lastNonBlank = "";
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      Matcher open = FENCE.matcher(line);
      if (open.matches()) {
        int start = i + 1;
        StringBuilder text = new StringBuilder();
        int j = i + 1;
        while (j < lines.length && !lines[j].trim().equals("```")) {
          text.append(lines[j]).append('\n');
          j++;
        }
        if (j >= lines.length) {
          throw new IllegalStateException("README.md line " + start + ": a fenced block is never closed");
        }
        Matcher marker = MARKER.matcher(lastNonBlank.trim());
        blocks.add(new Block(open.group(2).isEmpty() ? "text" : open.group(2), start, section, text.toString(),
            marker.matches() ? marker.group(1) : null, marker.matches() ? marker.group(2) : null));
        i = j;
        lastNonBlank = "";
        continue;
      }
      if (line.startsWith("#")) {
        section = line.replaceFirst("^#+\\s*", "");
      }
      if (!line.isBlank()) {
        lastNonBlank = line;
      }
    }
    return new Readme(List.copyOf(blocks));
  }
}

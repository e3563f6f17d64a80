package dev.poolgate.readme;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Just enough of the POSIX shell to read the README's command blocks: words with single and double
 * quotes (spanning lines), {@code $NAME} / {@code ${NAME}} expanded outside single quotes,
 * backslash-newline continuations, comments, and {@code >} redirection. A comment line of the form
 * {@code # -> 201 ...} right after a command is what that command is expected to answer.
 */
public final class Shell {
  private static final Pattern EXPECTATION = Pattern.compile("^#\\s*->\\s*(\\d{3})\\b.*");
  private static final Pattern ASSIGNMENT = Pattern.compile("^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", Pattern.DOTALL);

  private Shell() {
  }

  /**
   * One command: its words, the file its output goes to (or null), the status a following
   * {@code # -> NNN} comment expects (or 0), and the line it starts on.
   */
  public record Command(List<String> words, String redirect, int expectedStatus, int line) {
    /** {@code NAME=value} alone on a line: a variable assignment. */
    public boolean assignment() {
      return words.size() == 1 && ASSIGNMENT.matcher(words.get(0)).matches();
    }

    public String name() {
      Matcher m = ASSIGNMENT.matcher(words.get(0));
      return m.matches() ? m.group(1) : null;
    }

    public String value() {
      Matcher m = ASSIGNMENT.matcher(words.get(0));
      return m.matches() ? m.group(2) : null;
    }

    Command expecting(int status) {
      return new Command(words, redirect, status, line);
    }
  }

  /**
   * The commands of a script, with {@code $NAME} expanded from the variables (assignments made
   * earlier in the script are added to them as they are read).
   */
  public static List<Command> parse(String script, Map<String, String> variables) {
    List<Command> commands = new ArrayList<>();
    List<String> words = new ArrayList<>();
    StringBuilder word = null;
    String redirect = null;
    boolean redirectNext = false;
    int line = 1;
    int commandLine = 1;
    int i = 0;
    while (i <= script.length()) {
      char c = i < script.length() ? script.charAt(i) : '\n';
      if (c == '\\' && i + 1 < script.length() && script.charAt(i + 1) == '\n') {
        i += 2;
        line++;
        continue;
      }
      if (c == '\n' || c == ' ' || c == '\t' || c == ';') {
        if (word != null) {
          if (redirectNext) {
            redirect = word.toString();
            redirectNext = false;
          } else {
            words.add(word.toString());
          }
          word = null;
        }
        if (c == '\n' || c == ';') {
          if (!words.isEmpty()) {
            Command cmd = new Command(List.copyOf(words), redirect, 0, commandLine);
            if (cmd.assignment()) {
              variables.put(cmd.name(), cmd.value());
            }
            commands.add(cmd);
          }
          words.clear();
          redirect = null;
          if (c == '\n') {
            line++;
          }
          commandLine = line;
        }
        i++;
        continue;
      }
      if (c == '#' && word == null) {
        int end = script.indexOf('\n', i);
        String comment = script.substring(i, end < 0 ? script.length() : end);
        Matcher m = EXPECTATION.matcher(comment);
        if (m.matches() && words.isEmpty() && !commands.isEmpty()) {
          int last = commands.size() - 1;
          commands.set(last, commands.get(last).expecting(Integer.parseInt(m.group(1))));
        }
        i = end < 0 ? script.length() : end;
        continue;
      }
      if (c == '>' && word == null) {
        redirectNext = true;
        i++;
        continue;
      }
      if (word == null) {
        word = new StringBuilder();
      }
      if (c == '\'') {
        int end = script.indexOf('\'', i + 1);
        if (end < 0) {
          throw new IllegalArgumentException("line " + line + ": a single quote is never closed");
        }
        String quoted = script.substring(i + 1, end);
        line += (int) quoted.chars().filter(ch -> ch == '\n').count();
        word.append(quoted);
        i = end + 1;
        continue;
      }
      if (c == '"') {
        int j = i + 1;
        StringBuilder quoted = new StringBuilder();
        while (j < script.length() && script.charAt(j) != '"') {
          char q = script.charAt(j);
          if (q == '\\' && j + 1 < script.length() && "\"\\$`".indexOf(script.charAt(j + 1)) >= 0) {
            quoted.append(script.charAt(j + 1));
            j += 2;
            continue;
          }
          if (q == '$') {
            j = expand(script, j, quoted, variables, line);
            continue;
          }
          if (q == '\n') {
            line++;
          }
          quoted.append(q);
          j++;
        }
        if (j >= script.length()) {
          throw new IllegalArgumentException("line " + line + ": a double quote is never closed");
        }
        word.append(quoted);
        i = j + 1;
        continue;
      }
      if (c == '$') {
        i = expand(script, i, word, variables, line);
        continue;
      }
      if (c == '`' || c == '|' || c == '&' || c == '<' || c == '(' && word.isEmpty()) {
        throw new IllegalArgumentException("line " + line + ": '" + c + "' (pipes, background jobs, command "
            + "substitution, ...) is beyond what the README test runs; mark the block <!-- not-run: reason -->");
      }
      word.append(c);
      i++;
    }
    return commands;
  }

  /** Expands {@code $NAME} or {@code ${NAME}} at {@code i}; returns the index after it. */
  private static int expand(String s, int i, StringBuilder out, Map<String, String> variables, int line) {
    int j = i + 1;
    String name;
    if (j < s.length() && s.charAt(j) == '{') {
      int end = s.indexOf('}', j);
      name = s.substring(j + 1, end);
      j = end + 1;
    } else if (j < s.length() && s.charAt(j) == '(') {
      throw new IllegalArgumentException("line " + line + ": command substitution $(...) is beyond what the README "
          + "test runs; mark the block <!-- not-run: reason -->");
    } else {
      int k = j;
      while (k < s.length() && (Character.isLetterOrDigit(s.charAt(k)) || s.charAt(k) == '_')) {
        k++;
      }
      name = s.substring(j, k);
      j = k;
    }
    if (name.isEmpty()) {
      out.append('$');
      return j;
    }
    String value = variables.get(name);
    if (value == null) {
      throw new IllegalArgumentException("line " + line + ": $" + name + " is not set (the README test sets what "
          + "the README says to set)");
    }
    out.append(value);
    return j;
  }
}

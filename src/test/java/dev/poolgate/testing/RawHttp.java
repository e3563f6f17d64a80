package dev.poolgate.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A blocking HTTP/1.1 client on a plain {@link Socket}, for what a well-behaved client cannot do:
 * send bytes that are not UTF-8, stop halfway through a head or a body, drop the connection at
 * any moment (with a FIN or, {@link #abort()}, a RST). Test threads only, every read bounded by a
 * socket timeout.
 */
public final class RawHttp implements AutoCloseable {
  private final Socket socket;
  private final PushbackInputStream in;
  private final OutputStream out;

  private RawHttp(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new PushbackInputStream(socket.getInputStream(), 1);
    this.out = socket.getOutputStream();
  }

  /** Connects to 127.0.0.1:port; reads give up after {@code readTimeoutMs}. */
  public static RawHttp connect(int port, int readTimeoutMs) {
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.setSoTimeout(readTimeoutMs);
      s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      return new RawHttp(s);
    } catch (IOException e) {
      try {
        s.close();
      } catch (IOException ignored) {
        // the connect failure is what matters
      }
      throw new UncheckedIOException(e);
    }
  }

  /** A POST head for 127.0.0.1 with these extra header lines (each without CRLF). */
  public static byte[] head(String path, String... headerLines) {
    StringBuilder sb = new StringBuilder("POST ").append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (String h : headerLines) {
      sb.append(h).append("\r\n");
    }
    return sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  /** A complete POST of a JSON body (the body's bytes as they are). */
  public static byte[] post(String path, byte[] body, String... extraHeaderLines) {
    String[] lines = new String[extraHeaderLines.length + 2];
    lines[0] = "Content-Type: application/json";
    lines[1] = "Content-Length: " + body.length;
    System.arraycopy(extraHeaderLines, 0, lines, 2, extraHeaderLines.length);
    byte[] head = head(path, lines);
    byte[] all = new byte[head.length + body.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(body, 0, all, head.length, body.length);
    return all;
  }

  public RawHttp send(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public RawHttp send(String ascii) {
    return send(ascii.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Whether bytes from the server are waiting to be read (an early answer). */
  public boolean answered() {
    try {
      return in.available() > 0;
    } catch (IOException e) {
      return true;
    }
  }

  /**
   * Waits up to {@code ms} for the server to send something (or close), without consuming it:
   * the pace of a client that trickles its request while watching for the answer.
   */
  public boolean awaitAnswer(int ms) {
    try {
      int readTimeout = socket.getSoTimeout();
      socket.setSoTimeout(ms);
      try {
        int b = in.read();
        if (b >= 0) {
          in.unread(b);
        }
        return true;
      } catch (SocketTimeoutException e) {
        return false;
      } finally {
        socket.setSoTimeout(readTimeout);
      }
    } catch (SocketException e) {
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One response as it came over the wire. */
  public record Response(int status, Map<String, String> headers, String body, String raw) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /** Reads one response: the head, then a body by Content-Length, chunked, or up to the close. */
  public Response readResponse() {
    try {
      String head = readHead();
      String[] lines = head.split("\r\n");
      String[] statusLine = lines[0].split(" ", 3);
      int status = Integer.parseInt(statusLine[1]);
      Map<String, String> headers = new LinkedHashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon > 0) {
          headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
      }
      byte[] body;
      if (headers.containsKey("content-length")) {
        body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
      } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
        body = readChunked();
      } else {
        body = in.readAllBytes();
      }
      String text = new String(body, StandardCharsets.UTF_8);
      return new Response(status, headers, text, head + text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads until {@code marker} has arrived; returns everything read (head included). */
  public String readUntil(String marker) {
    ByteArrayOutputStream seen = new ByteArrayOutputStream();
    byte[] wanted = marker.getBytes(StandardCharsets.UTF_8);
    int matched = 0;
    try {
      while (matched < wanted.length) {
        int b = in.read();
        if (b < 0) {
          throw new AssertionError("the connection closed before '" + marker + "'; got: " + seen);
        }
        seen.write(b);
        // markers have no repeated prefix (e.g. "data: "), so a mismatch restarts the match at this byte
        matched = b == (wanted[matched] & 0xFF) ? matched + 1 : (b == (wanted[0] & 0xFF) ? 1 : 0);
      }
      return seen.toString(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Whether the server closed the connection within the read timeout: true on end of stream or a
   * reset, false when the timeout passed with the connection still open. Bytes that arrive first
   * are skipped.
   */
  public boolean closedByServer() {
    byte[] buf = new byte[4096];
    try {
      while (in.read(buf) >= 0) {
        // a response before the close is fine here
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (SocketException e) {
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Drops the connection with a RST instead of a FIN. */
  public void abort() {
    try {
      socket.setSoLinger(true, 0);
    } catch (SocketException ignored) {
      // already gone: nothing left to reset
    }
    close();
  }

  @Override
  public String toString() {
    return socket.toString();
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing is all that was asked
    }
  }

  private String readHead() throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("the connection closed before a complete response head; got: "
            + head.toString(StandardCharsets.ISO_8859_1));
      }
      head.write(b);
      matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String s = head.toString(StandardCharsets.ISO_8859_1);
    return s.substring(0, s.length() - 4);
  }

  private byte[] readChunked() throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      String sizeLine = readLine();
      int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
      if (size == 0) {
        while (!readLine().isEmpty()) {
          // trailers
        }
        return body.toByteArray();
      }
      body.write(in.readNBytes(size));
      readLine();
    }
  }

  private String readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0 && b != '\n') {
      if (b != '\r') {
        line.write(b);
      }
    }
    if (b < 0) {
      throw new IOException("the connection closed inside a chunked body");
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }
}

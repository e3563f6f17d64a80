package dev.poolgate.provider;

import io.vertx.core.VertxException;
import io.vertx.core.http.RequestOptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An upstream URL is parsed once and sets a request's target as its text would. */
class UpstreamUrlTest {
  @Test
  void theSameTextGivesTheSameParsedUrl() {
    String text = "http://127.0.0.1:19001/v1/chat/completions";
    assertSame(UpstreamHttp.url(text), UpstreamHttp.url(new String(text.toCharArray())));
  }

  @Test
  void theParsedUrlSetsWhatTheTextSets() {
    for (String text : new String[] {"https://api.openai.com/v1/chat/completions",
        "http://127.0.0.1:8000/v1/models", "https://x.openai.azure.com:8443/openai/deployments/d/chat/completions"
        + "?api-version=2024-10-21", "http://host/models/gemini:streamGenerateContent?alt=sse"}) {
      RequestOptions byText = new RequestOptions().setAbsoluteURI(text);
      RequestOptions byUrl = new RequestOptions().setAbsoluteURI(UpstreamHttp.url(text));
      assertEquals(byText.toJson(), byUrl.toJson(), text);
    }
  }

  @Test
  void aMalformedUrlFailsAsSetAbsoluteUriDoes() {
    VertxException e = assertThrows(VertxException.class, () -> UpstreamHttp.url("no-scheme/v1/chat"));
    assertTrue(e.getMessage().startsWith("Invalid url: "), e.getMessage());
  }
}

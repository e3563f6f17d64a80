package dev.poolgate.protocol;

/** A {@code data:<media type>;base64,<data>} URL, as OpenAI clients send inline images. */
record DataUrl(String mediaType, String base64) {

  /** The parts of a base64 data URL, or null for any other URL. */
  static DataUrl parse(String url) {
    if (!url.startsWith("data:")) {
      return null;
    }
    int comma = url.indexOf(',');
    int semi = url.indexOf(";base64");
    if (comma < 0 || semi < 0 || semi > comma) {
      return null;
    }
    return new DataUrl(url.substring(5, semi), url.substring(comma + 1));
  }

  /** The image format Bedrock names: the media type's subtype ({@code image/png} → {@code png}). */
  String format() {
    int slash = mediaType.indexOf('/');
    String sub = slash < 0 ? mediaType : mediaType.substring(slash + 1);
    return sub.equals("jpg") ? "jpeg" : sub;
  }
}

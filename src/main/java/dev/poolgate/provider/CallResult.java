package dev.poolgate.provider;

/** The provider verticle's answer to a call: a reply, or the upstream failure (kept whole). */
public record CallResult(UpstreamReply reply, UpstreamException failure) {
}

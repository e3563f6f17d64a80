package dev.poolgate.provider;

import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Signs one request with AWS Signature Version 4 using the AWS SDK's own signer (never a
 * hand-written one). CPU only and fast, so it runs inline on the event loop.
 *
 * @param sessionToken null for long-term keys
 */
record AwsSigner(String accessKeyId, String secretAccessKey, String sessionToken, String region, String service) {
  private static final AwsV4HttpSigner SIGNER = AwsV4HttpSigner.create();

  /** The headers to add: {@code Authorization}, {@code X-Amz-Date}, {@code X-Amz-Security-Token}, ... (not Host, which the client sets the same). */
  Map<String, String> sign(String method, String url, Map<String, String> headers, byte[] body) {
    SdkHttpRequest.Builder request = SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(method)).uri(URI.create(url));
    headers.forEach(request::putHeader);
    AwsCredentialsIdentity identity = sessionToken == null
        ? AwsCredentialsIdentity.create(accessKeyId, secretAccessKey)
        : AwsSessionCredentialsIdentity.create(accessKeyId, secretAccessKey, sessionToken);
    SignedRequest signed = SIGNER.sign(r -> r.identity(identity)
        .request(request.build())
        .payload(ContentStreamProvider.fromByteArray(body))
        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
        .putProperty(AwsV4HttpSigner.REGION_NAME, region));
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, List<String>> h : signed.request().headers().entrySet()) {
      if (!h.getKey().equalsIgnoreCase("host") && !headers.containsKey(h.getKey())) {
        out.put(h.getKey(), String.join(",", h.getValue()));
      }
    }
    return out;
  }
}

package dev.poolgate;

/**
 * Every way a request can fail, paired with the HTTP status and the OpenAI error {@code type} /
 * {@code code} a client sees. Failures are data: one enum, one mapping to a response.
 */
public enum ErrorKind {
  INVALID_JSON(400, "invalid_request_error", "invalid_json"),
  BAD_REQUEST(400, "invalid_request_error", "invalid_request"),
  UNAUTHORIZED(401, "authentication_error", "invalid_api_key"),
  FORBIDDEN(403, "permission_error", "model_not_allowed"),
  /** A client key asked for a priority above its {@code max_priority}. */
  PRIORITY_NOT_ALLOWED(403, "permission_error", "priority_not_allowed"),
  MODEL_NOT_FOUND(404, "invalid_request_error", "model_not_found"),
  NOT_FOUND(404, "invalid_request_error", "not_found"),
  /** An admin change whose resulting configuration is invalid; the message names the key. */
  INVALID_CONFIG(400, "invalid_request_error", "invalid_config"),
  METHOD_NOT_ALLOWED(405, "invalid_request_error", "method_not_allowed"),
  REQUEST_TIMEOUT(408, "invalid_request_error", "request_timeout"),
  /** An admin create of a name that exists, or a delete of something still referenced. */
  CONFLICT(409, "invalid_request_error", "conflict"),
  BODY_TOO_LARGE(413, "invalid_request_error", "request_too_large"),
  UNSUPPORTED_MEDIA_TYPE(415, "invalid_request_error", "unsupported_media_type"),
  QUEUE_FULL(429, "rate_limit_error", "queue_full"),
  QUEUE_TIMEOUT(429, "rate_limit_error", "queue_timeout"),
  RATE_LIMITED(429, "rate_limit_error", "rate_limit_exceeded"),
  /** The client went away; nobody reads this answer, it only ends the request. */
  CANCELLED(499, "invalid_request_error", "client_closed_request"),
  INTERNAL(500, "server_error", "internal_error"),
  UPSTREAM_ERROR(502, "upstream_error", "upstream_error"),
  NO_INSTANCE(503, "upstream_error", "no_healthy_instance"),
  UPSTREAM_OVERLOADED(503, "upstream_error", "upstream_overloaded"),
  STORE_UNAVAILABLE(503, "server_error", "cluster_store_unavailable"),
  SHUTTING_DOWN(503, "server_error", "shutting_down"),
  UPSTREAM_TIMEOUT(504, "upstream_error", "upstream_timeout"),
  // not in status order: appended when they came; the bus sends kinds by name, so order is free
  URI_TOO_LONG(414, "invalid_request_error", "uri_too_long"),
  HEADERS_TOO_LARGE(431, "invalid_request_error", "request_header_fields_too_large");

  private final int status;
  private final String type;
  private final String code;

  ErrorKind(int status, String type, String code) {
    this.status = status;
    this.type = type;
    this.code = code;
  }

  public int status() { return status; }
  public String type() { return type; }
  public String code() { return code; }

  /** Whether the answer should tell the client to come back later. */
  public boolean retryAfter() {
    return status == 429 || status == 503;
  }

  public GatewayException exception(String message) {
    return new GatewayException(this, message);
  }
}

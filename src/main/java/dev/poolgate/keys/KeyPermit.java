package dev.poolgate.keys;

/**
 * A client key's permission for one request, held from before the request is dispatched until
 * it ends. Give it back once, through {@link KeyLimiter#release}, with the tokens the request used.
 *
 * @param key      the key's name
 * @param permitId unique per request
 * @param nodeId   the node holding it (its permits are dropped if it dies)
 * @param counted  false for a key without limits: nothing was taken, release does nothing
 */
public record KeyPermit(String key, String permitId, String nodeId, boolean counted) {

  /** The permit of a key that has no limits. */
  public static KeyPermit unlimited(String key) {
    return new KeyPermit(key, null, null, false);
  }
}

package dev.poolgate.scheduling;

import java.io.Serializable;

/**
 * One slot held on one instance: who holds it and until when. A lease whose node left the cluster
 * is purged by the survivors; one that is not renewed expires.
 *
 * @param leaseId    unique id, used for idempotent release
 * @param pool       pool whose ledger entry records the lease
 * @param instanceId instance whose slot it is
 * @param nodeId     member that holds it
 * @param ticketId   ticket the lease was granted to
 * @param expiresAt  epoch millis after which a sweep may reclaim it
 */
public record Lease(String leaseId, String pool, String instanceId, String nodeId, String ticketId, long expiresAt)
    implements Serializable {

  public Lease renewedUntil(long until) {
    return new Lease(leaseId, pool, instanceId, nodeId, ticketId, until);
  }
}

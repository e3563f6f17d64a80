package dev.poolgate.scheduling;

import java.io.Serializable;

/** A queued ticket that was given a slot; the waiting node must be told (or will claim it). */
public record Grant(Ticket ticket, Lease lease) implements Serializable {
}

package dev.poolgate.scheduling;

import dev.poolgate.Ids;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * All scheduling state of one pool — the slots of its instances, their health, its queue and the
 * grants not yet claimed — and every operation on it. It is plain data with no clock and no I/O:
 * the local ledger calls it under a lock, the Hazelcast ledger inside entry processors on the
 * pool's partition thread, so both get the same exact behaviour.
 *
 * <p>Invariant after every operation: no instance holds more leases than its cap (unless leases
 * were re-asserted after data loss, in which case nothing more is granted until it is back under),
 * and no queued ticket could use a free slot within its instance's rate limits (every operation
 * ends with {@link #drain}; for slots held back only by a rate window, {@link #wakeAt} says when
 * to drain again).
 *
 * <p>A pool may lend its idle slots to other pools ({@link PoolSpec#lendTo}): a ticket queued in a
 * borrowing pool also waits here as a <em>guest</em>, behind every ticket of this pool's own, and
 * a slot granted to it is a lease recorded here — counted against this pool's caps and released
 * here, where this pool's own queue is served first again.
 *
 * <p>Everything that varies between runs — the time, random seeds, what a call measured — comes in
 * as an argument, so an operation's result depends only on the state and its inputs.
 */
public final class PoolState implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String name;
  private int queueMaxSize;
  private HealthPolicy policy;
  private Strategy strategy;
  private long latencyDecayMs;
  /** Random draws for weighted_random, part of the state so owner and backup agree. */
  private final Draws draws;
  private final LinkedHashMap<String, InstanceSlots> instances = new LinkedHashMap<>();
  private final TreeSet<Ticket> queue = new TreeSet<>(new TicketOrder());
  private final Map<String, Ticket> queuedById = new HashMap<>();
  /** Pools whose queued tickets may borrow idle slots here. */
  private List<String> lendTo = List.of();
  /** Tickets of borrowing pools, served only when no own ticket can use a free slot. */
  private final TreeSet<Ticket> guests = new TreeSet<>(new TicketOrder());
  private final Map<String, Ticket> guestsById = new HashMap<>();
  /** The pool each guest ticket comes from. */
  private final Map<String, String> guestFrom = new HashMap<>();
  /** Granted to a queued ticket, recorded until the waiting node claims it. */
  private final LinkedHashMap<String, Grant> unclaimed = new LinkedHashMap<>();
  private long nextSeq = 1;

  public PoolState(PoolSpec spec) {
    this.name = spec.name();
    this.draws = new Draws(spec.name().hashCode());
    reconfigure(spec, 0);
  }

  public String name() { return name; }

  // ---------------------------------------------------------------- configuration

  /**
   * Applies a new spec: new instances join, caps and weights change, removed instances retire
   * (their live leases stay counted until released). Leases in flight are never dropped.
   */
  public List<Grant> reconfigure(PoolSpec spec, long now) {
    this.queueMaxSize = spec.queueMaxSize();
    this.policy = spec.healthPolicy();
    this.strategy = spec.strategy();
    this.latencyDecayMs = spec.latencyDecayMs();
    this.lendTo = spec.lendTo();
    // guests of a pool no longer lent to just leave: they still wait in their own pool
    dropGuests(t -> !lendTo.contains(guestFrom.get(t.ticketId())));
    Set<String> wanted = new java.util.HashSet<>();
    for (InstanceSpec is : spec.instances()) {
      wanted.add(is.id());
      InstanceSlots existing = instances.get(is.id());
      if (existing == null) {
        instances.put(is.id(), new InstanceSlots(is));
      } else {
        existing.respec(is);
      }
    }
    for (Iterator<InstanceSlots> it = instances.values().iterator(); it.hasNext(); ) {
      InstanceSlots slots = it.next();
      if (!wanted.contains(slots.id())) {
        if (slots.inFlight() == 0) {
          it.remove();
        } else {
          slots.retire();
        }
      }
    }
    return drain(now, 0);
  }

  // ---------------------------------------------------------------- acquire / queue

  /**
   * Takes a slot for the ticket if an eligible instance has one free, else queues it.
   *
   * @param leaseTtlMs how long the lease lives without renewal
   */
  public Admission acquire(Ticket ticket, long now, long leaseTtlMs) {
    return acquire(ticket, now, leaseTtlMs, 0);
  }

  /**
   * Takes a slot for the ticket if an eligible instance has one free, else queues it.
   *
   * @param leaseTtlMs how long the lease lives without renewal
   * @param seed       random bits for this operation's draws (the caller's; 0 adds none)
   */
  public Admission acquire(Ticket ticket, long now, long leaseTtlMs, long seed) {
    draws.mix(seed);
    if (queuedById.containsKey(ticket.ticketId()) || unclaimed.containsKey(ticket.ticketId())) {
      // a retried acquire of the same ticket (e.g. after a store time-out) must not queue twice
      Grant g = unclaimed.remove(ticket.ticketId());
      return g != null ? new Admission.Granted(g.lease())
          : new Admission.Queued(queuedById.get(ticket.ticketId()), wakeAt(now));
    }
    if (!anyCouldServe(ticket)) {
      return new Admission.Rejected(Admission.Reason.NO_INSTANCE);
    }
    // A slot freed by a rate window (with time, not by an operation) belongs to the tickets that
    // already wait: a newcomer then joins the queue in its order, and the ledger drains at once.
    boolean waitersFirst = !queue.isEmpty() && anyFreeSlot(now) && aWaiterFits(queue, now);
    InstanceSlots chosen = waitersFirst ? null : pick(ticket, now);
    if (chosen != null) {
      return new Admission.Granted(grantOn(chosen, ticket, now, leaseTtlMs));
    }
    if (queue.size() >= queueMaxSize) {
      return new Admission.Rejected(Admission.Reason.QUEUE_FULL);
    }
    Ticket queued = ticket.seq() > 0 ? ticket : ticket.withSeq(nextSeq++);
    queue.add(queued);
    queuedById.put(queued.ticketId(), queued);
    return new Admission.Queued(queued, waitersFirst ? now : wakeAt(now));
  }

  /**
   * Removes a ticket from the queue (its own or the guests'). If it was already granted but not
   * claimed, the grant is returned so the caller can use the slot it missed (or release it).
   *
   * @return the unclaimed grant of this ticket, or null if it was only queued or unknown
   */
  public Grant cancel(String ticketId) {
    Ticket t = queuedById.remove(ticketId);
    if (t != null) {
      queue.remove(t);
      return null;
    }
    Ticket guest = guestsById.remove(ticketId);
    if (guest != null) {
      guests.remove(guest);
      guestFrom.remove(ticketId);
      return null;
    }
    return unclaimed.remove(ticketId);
  }

  // ---------------------------------------------------------------- lending

  /**
   * A ticket queued in {@code borrower}, a pool this one lends to, asks for an idle slot here. It
   * takes one at once only if no ticket of this pool could use it; else it waits as a guest behind
   * every own ticket, and {@link #drain} grants it like the others (an unclaimed grant, its lease
   * recorded here so this pool's caps stay exact). Idempotent per ticket, like {@link #acquire}.
   *
   * @return Granted, Queued (as a guest), or Rejected (NO_INSTANCE) when this pool does not lend
   *         to the borrower or none of its instances could ever serve the ticket
   */
  public Admission lend(String borrower, Ticket ticket, long now, long leaseTtlMs, long seed) {
    draws.mix(seed);
    String id = ticket.ticketId();
    if (guestsById.containsKey(id) || unclaimed.containsKey(id)) {
      Grant g = unclaimed.remove(id);
      return g != null ? new Admission.Granted(g.lease()) : new Admission.Queued(guestsById.get(id), wakeAt(now));
    }
    if (!lendTo.contains(borrower) || !anyCouldServe(ticket)) {
      return new Admission.Rejected(Admission.Reason.NO_INSTANCE);
    }
    // own tickets first, then guests that came earlier (or rank higher)
    boolean waitersFirst = anyFreeSlot(now) && (aWaiterFits(queue, now) || aWaiterFits(guests, now));
    InstanceSlots chosen = waitersFirst ? null : pick(ticket, now);
    if (chosen != null) {
      return new Admission.Granted(grantOn(chosen, ticket, now, leaseTtlMs));
    }
    Ticket guest = ticket.withSeq(nextSeq++);
    guests.add(guest);
    guestsById.put(id, guest);
    guestFrom.put(id, borrower);
    return new Admission.Queued(guest, waitersFirst ? now : wakeAt(now));
  }

  /** How many tickets of borrowing pools wait here. */
  public int guestCount() {
    return guests.size();
  }

  /** Takes every unclaimed grant of a node (its backstop for grant messages that got lost). */
  public List<Grant> claimGrants(String nodeId) {
    List<Grant> mine = new ArrayList<>();
    for (Iterator<Grant> it = unclaimed.values().iterator(); it.hasNext(); ) {
      Grant g = it.next();
      if (g.ticket().nodeId().equals(nodeId)) {
        mine.add(g);
        it.remove();
      }
    }
    return mine;
  }

  /** Takes one unclaimed grant, if the ticket was granted. */
  public Grant claimGrant(String ticketId) {
    return unclaimed.remove(ticketId);
  }

  // ---------------------------------------------------------------- release / health

  /**
   * Releases a lease (idempotent: an unknown lease is a no-op), feeds the outcome to the
   * instance's health and hands freed slots to the best waiting tickets.
   */
  public List<Grant> release(String instanceId, String leaseId, Outcome outcome, String error,
                             long now, long leaseTtlMs) {
    return release(instanceId, leaseId, outcome, error, CallMetrics.NONE, now, leaseTtlMs);
  }

  /**
   * Releases a lease as above; what the call measured (time to first byte, tokens) feeds the
   * latency strategy and the tokens-per-minute limit.
   */
  public List<Grant> release(String instanceId, String leaseId, Outcome outcome, String error,
                             CallMetrics metrics, long now, long leaseTtlMs) {
    InstanceSlots slots = instances.get(instanceId);
    if (slots == null) {
      return List.of();
    }
    boolean released = slots.remove(leaseId) != null;
    if (released) {
      slots.health().recordTraffic(outcome, error, policy, now);
      slots.recordCall(metrics, now, latencyDecayMs);
    }
    if (slots.retired() && slots.inFlight() == 0) {
      instances.remove(instanceId);
    }
    return released ? drain(now, leaseTtlMs) : List.of();
  }

  /** Feeds an active probe result to the instance's health. */
  public List<Grant> recordProbe(String instanceId, boolean ok, String error, long now, long leaseTtlMs) {
    InstanceSlots slots = instances.get(instanceId);
    if (slots == null) {
      return List.of();
    }
    slots.health().recordProbe(ok, error, policy, now);
    return drain(now, leaseTtlMs);
  }

  /** Forces an instance's health (admin). */
  public List<Grant> forceHealth(String instanceId, Health health, long now, long leaseTtlMs) {
    InstanceSlots slots = instances.get(instanceId);
    if (slots == null) {
      return List.of();
    }
    slots.health().force(health, now);
    return drain(now, leaseTtlMs);
  }

  // ---------------------------------------------------------------- crash safety

  /** Drops every lease, ticket and unclaimed grant of a node that left; idempotent. */
  public List<Grant> purgeNode(String nodeId, long now, long leaseTtlMs) {
    int dropped = 0;
    for (InstanceSlots slots : instances.values()) {
      dropped += slots.removeIf(l -> l.nodeId().equals(nodeId));
    }
    for (Iterator<Ticket> it = queue.iterator(); it.hasNext(); ) {
      Ticket t = it.next();
      if (t.nodeId().equals(nodeId)) {
        it.remove();
        queuedById.remove(t.ticketId());
      }
    }
    dropGuests(t -> t.nodeId().equals(nodeId));
    dropped += dropGrants(g -> g.ticket().nodeId().equals(nodeId));
    removeIdleRetired();
    return dropped > 0 ? drain(now, leaseTtlMs) : List.of();
  }

  /**
   * Keeps only the nodes that are members: purges every other node's leases, tickets and grants.
   * Survivors run this after a membership change, so a node that vanished is purged even if the
   * member-removed event was missed.
   */
  public List<Grant> retainNodes(Collection<String> members, long now, long leaseTtlMs) {
    Set<String> strangers = new java.util.HashSet<>();
    for (InstanceSlots slots : instances.values()) {
      slots.leases().values().forEach(l -> strangers.add(l.nodeId()));
    }
    queue.forEach(t -> strangers.add(t.nodeId()));
    guests.forEach(t -> strangers.add(t.nodeId()));
    unclaimed.values().forEach(g -> strangers.add(g.ticket().nodeId()));
    strangers.removeAll(members);
    List<Grant> grants = new ArrayList<>();
    for (String stranger : strangers) {
      grants.addAll(purgeNode(stranger, now, leaseTtlMs));
    }
    return grants;
  }

  /** Renews a node's live leases; leases it no longer holds are left to expire. */
  public void renew(String nodeId, Collection<String> leaseIds, long until) {
    for (InstanceSlots slots : instances.values()) {
      for (String id : leaseIds) {
        Lease l = slots.leases().get(id);
        if (l != null && l.nodeId().equals(nodeId)) {
          slots.leases().put(id, l.renewedUntil(until));
        }
      }
    }
  }

  /**
   * Re-records a node's live leases that the ledger lost (e.g. the partition holding this pool was
   * lost with its backup). They are counted even if that puts an instance over its cap — the
   * requests are really in flight — and nothing more is granted there until it is back under.
   */
  public int reassert(Collection<Lease> leases) {
    int added = 0;
    for (Lease l : leases) {
      InstanceSlots slots = instances.get(l.instanceId());
      if (slots != null && !slots.leases().containsKey(l.leaseId())) {
        slots.add(l);
        added++;
      }
    }
    return added;
  }

  /** Reclaims leases past their expiry and drops tickets long past their deadline. */
  public List<Grant> expire(long now, long ticketGraceMs, long leaseTtlMs) {
    int dropped = 0;
    for (InstanceSlots slots : instances.values()) {
      dropped += slots.removeIf(l -> l.expiresAt() < now);
    }
    for (Iterator<Ticket> it = queue.iterator(); it.hasNext(); ) {
      Ticket t = it.next();
      if (t.deadline() + ticketGraceMs < now) {
        it.remove();
        queuedById.remove(t.ticketId());
      }
    }
    dropGuests(t -> t.deadline() + ticketGraceMs < now);
    dropped += dropGrants(g -> g.ticket().deadline() + ticketGraceMs < now);
    removeIdleRetired();
    return dropped > 0 ? drain(now, leaseTtlMs) : List.of();
  }

  // ---------------------------------------------------------------- views

  /** The pool as of the wall clock. */
  public PoolSnapshot snapshot() {
    return snapshot(System.currentTimeMillis());
  }

  /** The pool as of {@code now} (the rate windows count the second before it). */
  public PoolSnapshot snapshot(long now) {
    List<InstanceSnapshot> list = new ArrayList<>(instances.size());
    for (InstanceSlots s : instances.values()) {
      list.add(new InstanceSnapshot(s.id(), s.spec().maxConcurrency(), s.spec().weight(), s.inFlight(),
          s.health().health(), s.health().consecutiveFailures(), s.health().lastError(), s.retired(),
          s.spec().maxRps(), s.requestsLastSecond(now), s.latency().lastMs()));
    }
    Map<Integer, Integer> byPriority = new TreeMap<>(Comparator.reverseOrder());
    queue.forEach(t -> byPriority.merge(t.priority(), 1, Integer::sum));
    return new PoolSnapshot(name, list, queue.size(), byPriority, unclaimed.size(), guests.size());
  }

  /** Leases a node holds here (used to re-assert and renew). */
  public List<Lease> leasesOf(String nodeId) {
    List<Lease> out = new ArrayList<>();
    for (InstanceSlots s : instances.values()) {
      s.leases().values().stream().filter(l -> l.nodeId().equals(nodeId)).forEach(out::add);
    }
    return out;
  }

  public InstanceSlots instance(String id) {
    return instances.get(id);
  }

  // ---------------------------------------------------------------- internals

  /**
   * Grants what time has freed: rate windows roll over with the clock, not with a release, so the
   * ledger runs this at the {@link #wakeAt} an operation reported.
   */
  public Drained drain(long now, long leaseTtlMs, long seed) {
    draws.mix(seed);
    List<Grant> grants = drain(now, leaseTtlMs);
    return new Drained(grants, wakeAt(now));
  }

  /**
   * When a queued ticket might next be granted because a rate window frees up: the earliest time
   * an instance that is below its cap but held back only by its rate limits may start a request.
   * {@link Drained#NEVER} if the queue is empty or nothing waits on a window (a full instance frees
   * with a release, which drains by itself).
   */
  public long wakeAt(long now) {
    if (queue.isEmpty() && guests.isEmpty()) {
      return Drained.NEVER;
    }
    long at = Drained.NEVER;
    for (InstanceSlots s : instances.values()) {
      if (!s.retired() && s.health().admitsTraffic() && s.hasFreeSlot() && !s.withinRates(now)) {
        at = Math.min(at, s.ratesFreeAt(now));
      }
    }
    return at;
  }

  /**
   * Hands free slots to the best waiting tickets: strict priority, FIFO within a level; a ticket
   * that no free instance may serve (all excluded) lets the next one through. This pool's own
   * tickets come first; what they leave goes to the guests of borrowing pools, in their order.
   */
  private List<Grant> drain(long now, long leaseTtlMs) {
    if ((queue.isEmpty() && guests.isEmpty()) || !anyFreeSlot(now)) {
      return List.of();
    }
    List<Grant> grants = new ArrayList<>();
    grantFrom(queue, now, leaseTtlMs, grants);
    grantFrom(guests, now, leaseTtlMs, grants);
    return grants;
  }

  private void grantFrom(TreeSet<Ticket> waiting, long now, long leaseTtlMs, List<Grant> grants) {
    for (Iterator<Ticket> it = waiting.iterator(); it.hasNext() && anyFreeSlot(now); ) {
      Ticket t = it.next();
      InstanceSlots chosen = pick(t, now);
      if (chosen != null) {
        it.remove();
        queuedById.remove(t.ticketId());
        guestsById.remove(t.ticketId());
        guestFrom.remove(t.ticketId());
        Grant g = new Grant(t, grantOn(chosen, t, now, leaseTtlMs));
        unclaimed.put(t.ticketId(), g);
        grants.add(g);
      }
    }
  }

  private Lease grantOn(InstanceSlots slots, Ticket t, long now, long leaseTtlMs) {
    Lease lease = new Lease(Ids.next(), name, slots.id(), t.nodeId(), t.ticketId(),
        now + leaseTtlMs);
    slots.add(lease);
    slots.recordGrant(now);
    return lease;
  }

  /** Whether a queued ticket could take a slot now (one that excludes every free instance cannot). */
  private boolean aWaiterFits(Collection<Ticket> waiting, long now) {
    for (Ticket t : waiting) {
      for (InstanceSlots s : instances.values()) {
        if (s.health().admitsTraffic() && eligible(s, t, s.health().health(), now)) {
          return true;
        }
      }
    }
    return false;
  }

  private boolean anyFreeSlot(long now) {
    for (InstanceSlots s : instances.values()) {
      if (!s.retired() && s.health().admitsTraffic() && s.hasFreeSlot() && s.withinRates(now)) {
        return true;
      }
    }
    return false;
  }

  /** Whether some instance could serve the ticket now or later (so waiting makes sense). */
  private boolean anyCouldServe(Ticket t) {
    for (InstanceSlots s : instances.values()) {
      if (!s.retired() && s.health().admitsTraffic() && !t.excluded().contains(s.id())) {
        return true;
      }
    }
    return false;
  }

  /**
   * The instance for this ticket now, or null: among instances that may take it (not retired, not
   * excluded, below cap, within their rate limits), healthy ones before degraded ones, chosen by
   * the pool's strategy.
   */
  private InstanceSlots pick(Ticket t, long now) {
    InstanceSlots pick = pickAmong(t, Health.HEALTHY, now);
    return pick != null ? pick : pickAmong(t, Health.DEGRADED, now);
  }

  private InstanceSlots pickAmong(Ticket t, Health level, long now) {
    List<InstanceSlots> candidates = new ArrayList<>(instances.size());
    for (InstanceSlots s : instances.values()) {
      if (eligible(s, t, level, now)) {
        candidates.add(s);
      }
    }
    if (candidates.isEmpty()) {
      return null;
    }
    return strategy.selector().select(candidates, new Selection(now, draws, latencyDecayMs));
  }

  private static boolean eligible(InstanceSlots s, Ticket t, Health level, long now) {
    return !s.retired() && !s.spec().drained() && s.health().health() == level && s.hasFreeSlot() && !t.excluded().contains(s.id())
        && s.withinRates(now);
  }

  /** Drops the unclaimed grants matching the predicate and frees their slots; returns how many were freed. */
  private int dropGrants(java.util.function.Predicate<Grant> drop) {
    int freed = 0;
    for (Iterator<Grant> it = unclaimed.values().iterator(); it.hasNext(); ) {
      Grant g = it.next();
      if (drop.test(g)) {
        it.remove();
        InstanceSlots slots = instances.get(g.lease().instanceId());
        if (slots != null && slots.remove(g.lease().leaseId()) != null) {
          freed++;
        }
      }
    }
    return freed;
  }

  /** Drops the guest tickets matching the predicate (they still wait in their own pool). */
  private void dropGuests(java.util.function.Predicate<Ticket> drop) {
    for (Iterator<Ticket> it = guests.iterator(); it.hasNext(); ) {
      Ticket t = it.next();
      if (drop.test(t)) {
        it.remove();
        guestsById.remove(t.ticketId());
        guestFrom.remove(t.ticketId());
      }
    }
  }

  private void removeIdleRetired() {
    instances.values().removeIf(s -> s.retired() && s.inFlight() == 0);
  }

  /** Named and serializable: the queue travels with the pool state between cluster members. */
  private static final class TicketOrder implements Comparator<Ticket>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public int compare(Ticket a, Ticket b) {
      return Ticket.ORDER.compare(a, b);
    }
  }
}

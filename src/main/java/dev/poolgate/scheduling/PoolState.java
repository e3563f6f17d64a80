package dev.poolgate.scheduling;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
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
  /** Leases of this pool's slots lent to tickets of borrowing pools, while they run. */
  private final HashSet<String> lentOut = new HashSet<>();
  /** Every lease by its ticket: an admission retried finds its lease without a scan. */
  private final HashMap<String, Lease> leaseByTicket = new HashMap<>();
  /** Most units one sync may add: growth is gradual, so the strategy spreads them. */
  static final int MAX_ALLOT_GROWTH = 256;

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
    return new Admission.Queued(queued, waitersFirst ? now : wakeAt(now), hasAllotments());
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
      Lease lent = grantOn(chosen, ticket, now, leaseTtlMs);
      lentOut.add(lent.leaseId());
      return new Admission.Granted(lent);
    }
    Ticket guest = ticket.withSeq(nextSeq++);
    guests.add(guest);
    guestsById.put(id, guest);
    guestFrom.put(id, borrower);
    return new Admission.Queued(guest, waitersFirst ? now : wakeAt(now), hasAllotments());
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
    Lease gone = slots.remove(leaseId);
    boolean released = gone != null;
    if (released) {
      forget(gone);
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

  // ---------------------------------------------------------------- allotments

  /**
   * A node's sync of its allotments: feeds the outcomes of the requests it served on them to the
   * instances' health and latency, takes back the units it gives up (and hands them to waiting
   * tickets), reports units it believed it held that are gone, renews the rest, and — while no
   * ticket waits — adds up to {@code grow} units, one at a time on the instance the pool's
   * strategy picks among those that may be allotted ({@link InstanceSlots#allotable}).
   */
  public AllotmentAnswer sync(AllotmentSync sync, long now, long leaseTtlMs, long seed) {
    draws.mix(seed);
    String node = sync.nodeId();
    List<String> lost = new ArrayList<>();
    Set<String> mentioned = new TreeSet<>();
    int freed = 0;
    for (AllotmentSync.Entry e : sync.instances()) {
      mentioned.add(e.instanceId());
      InstanceSlots slots = instances.get(e.instanceId());
      if (slots == null) {
        if (e.known() > 0) {
          lost.add(e.instanceId());
        }
        continue;
      }
      recordOutcomes(slots, e, now);
      Allotment a = slots.allotment(node);
      if (a == null || a.epoch != sync.epoch()) {
        if (e.known() > 0) {
          lost.add(e.instanceId());
        }
        if (a != null) {
          freed += slots.setUnits(node, 0);
        }
        continue;
      }
      a.expiresAt = now + leaseTtlMs;
      a.inUse = Math.min(e.inUse(), a.units);
      if (e.target() < a.units) {
        freed += slots.setUnits(node, Math.max(0, e.target()));
      }
    }
    // units the node never learnt of (their answer was lost): none can be in use, so they come back
    for (InstanceSlots slots : instances.values()) {
      if (!mentioned.contains(slots.id()) && slots.allotment(node) != null) {
        freed += slots.setUnits(node, 0);
      }
    }
    boolean contended = !queue.isEmpty() || !guests.isEmpty();
    if (!contended) {
      for (int i = 0; i < Math.min(sync.grow(), MAX_ALLOT_GROWTH); i++) {
        InstanceSlots pick = pickAllotable(sync.minCap(), now);
        if (pick == null) {
          break;
        }
        Allotment a = pick.allotment(node);
        if (a == null) {
          a = pick.openAllotment(node, sync.epoch(), now + leaseTtlMs);
        }
        pick.setUnits(node, a.units + 1);
      }
    }
    Map<String, Integer> units = new LinkedHashMap<>();
    Set<String> usable = new TreeSet<>();
    for (InstanceSlots slots : instances.values()) {
      Allotment a = slots.allotment(node);
      if (a != null) {
        units.put(slots.id(), a.units);
        if (allots() && slots.allotmentUsable()) {
          usable.add(slots.id());
        }
      }
    }
    removeIdleRetired();
    List<Grant> grants = freed > 0 || contended ? drain(now, leaseTtlMs) : List.of();
    return new AllotmentAnswer(units, usable, lost, !queue.isEmpty() || !guests.isEmpty(),
        new Drained(grants, wakeAt(now)));
  }

  /** Units allotted in the pool, over all instances and nodes. */
  public int allottedUnits() {
    int n = 0;
    for (InstanceSlots s : instances.values()) {
      n += s.allotted();
    }
    return n;
  }

  /** Whether any node holds units of this pool (a ticket that queues then recalls them). */
  public boolean hasAllotments() {
    for (InstanceSlots s : instances.values()) {
      if (s.allotted() > 0) {
        return true;
      }
    }
    return false;
  }

  private void recordOutcomes(InstanceSlots slots, AllotmentSync.Entry e, long now) {
    for (AllotmentSync.OutcomeRun run : e.outcomes()) {
      // past a few alike, more of the same moves no health state: bound the work per sync
      int times = Math.min(run.count(), 1024);
      for (int i = 0; i < times; i++) {
        slots.health().recordTraffic(run.outcome(), run.error(), policy, now);
      }
    }
    if (e.ttfbCount() > 0) {
      slots.recordCall(new CallMetrics(e.ttfbSumMs() / e.ttfbCount(), 0), now, latencyDecayMs);
    }
  }

  /**
   * Only least_load spreads well as blocks of units, each node filling its own least: the other
   * strategies promise a per-request order (round-robin turns, first available, weighted draws,
   * latency per request) that only the shared path keeps, so their pools are never allotted.
   */
  private boolean allots() {
    return strategy == Strategy.LEAST_LOAD;
  }

  private InstanceSlots pickAllotable(int minCap, long now) {
    if (!allots()) {
      return null;
    }
    List<InstanceSlots> candidates = new ArrayList<>(instances.size());
    for (InstanceSlots s : instances.values()) {
      if (s.allotable(minCap)) {
        candidates.add(s);
      }
    }
    return candidates.isEmpty() ? null
        : strategy.selector().select(candidates, new Selection(now, draws, latencyDecayMs));
  }

  // ---------------------------------------------------------------- crash safety

  /** Drops every lease, ticket and unclaimed grant of a node that left; idempotent. */
  public List<Grant> purgeNode(String nodeId, long now, long leaseTtlMs) {
    int dropped = 0;
    for (InstanceSlots slots : instances.values()) {
      dropped += slots.removeIf(l -> l.nodeId().equals(nodeId), this::forget);
      dropped += slots.dropAllotments((node, a) -> node.equals(nodeId));
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
    // ordered: owner and backup replay this alike, so they purge (and grant) in the same order
    Set<String> strangers = new TreeSet<>();
    for (InstanceSlots slots : instances.values()) {
      slots.leases().values().forEach(l -> strangers.add(l.nodeId()));
      strangers.addAll(slots.allotmentHolders());
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

  /**
   * Renews a node's live leases.
   *
   * @return the ids among them this pool no longer records (purged or expired): their requests run
   *         on slots that may have been handed on, so the node must end them
   */
  public List<String> renew(String nodeId, Collection<String> leaseIds, long until) {
    List<String> missing = new ArrayList<>();
    for (String id : leaseIds) {
      boolean found = false;
      for (InstanceSlots slots : instances.values()) {
        Lease l = slots.leases().get(id);
        if (l != null && l.nodeId().equals(nodeId)) {
          Lease renewed = l.renewedUntil(until);
          slots.leases().put(id, renewed);
          leaseByTicket.put(renewed.ticketId(), renewed);
          found = true;
          break;
        }
      }
      if (!found) {
        missing.add(id);
      }
    }
    return missing;
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
        leaseByTicket.put(l.ticketId(), l);
        added++;
      }
    }
    return added;
  }

  /** Reclaims leases past their expiry and drops tickets long past their deadline. */
  public List<Grant> expire(long now, long ticketGraceMs, long leaseTtlMs) {
    int dropped = 0;
    for (InstanceSlots slots : instances.values()) {
      dropped += slots.removeIf(l -> l.expiresAt() < now, this::forget);
      dropped += slots.dropAllotments((node, a) -> a.expiresAt < now);
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
      // in use, not taken: units allotted to a node but idle are not requests
      list.add(new InstanceSnapshot(s.id(), s.spec().maxConcurrency(), s.spec().weight(), s.inUse(),
          s.health().health(), s.health().consecutiveFailures(), s.health().lastError(), s.retired(),
          s.spec().maxRps(), s.requestsLastSecond(now), s.latency().lastMs()));
    }
    Map<Integer, Integer> byPriority = new TreeMap<>(Comparator.reverseOrder());
    queue.forEach(t -> byPriority.merge(t.priority(), 1, Integer::sum));
    return new PoolSnapshot(name, list, queue.size(), byPriority, unclaimed.size(), guests.size(), lentOut.size());
  }

  /** The lease granted to a ticket, if it still holds one. */
  public Lease leaseOfTicket(String ticketId) {
    return leaseByTicket.get(ticketId);
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
        if (waiting == guests) {
          lentOut.add(g.lease().leaseId());
        }
        unclaimed.put(t.ticketId(), g);
        grants.add(g);
      }
    }
  }

  private Lease grantOn(InstanceSlots slots, Ticket t, long now, long leaseTtlMs) {
    // derived from the ticket and the state, not drawn: a backup replaying the operation makes the same id
    Lease lease = new Lease(t.ticketId() + "." + (nextSeq++), name, slots.id(), t.nodeId(), t.ticketId(),
        now + leaseTtlMs);
    slots.add(lease);
    leaseByTicket.put(t.ticketId(), lease);
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
        Lease gone = slots == null ? null : slots.remove(g.lease().leaseId());
        if (gone != null) {
          forget(gone);
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

  private void forget(Lease lease) {
    lentOut.remove(lease.leaseId());
    leaseByTicket.computeIfPresent(lease.ticketId(), (t, l) -> l.leaseId().equals(lease.leaseId()) ? null : l);
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

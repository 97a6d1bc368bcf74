import { TokenBucket } from './token-bucket.js';

/** A message taken from the person's bucket, or refused with how long until one token is back. */
export type MessageVerdict = { allowed: true } | { allowed: false; retryAfterMs: number };

/** A place under a limit (a running answer, an open connection), held until released. */
export interface Lease {
  /** Gives the place back. Idempotent: a second call does nothing. */
  release(): void;
}

/** How many connections may be open at once, per person and per peer address. */
export interface SocketLimits {
  perUser: number;
  perPeer: number;
}

/**
 * The per-person limits that must hold across every instance: the message bucket, the answers being
 * generated at once, and the open connections. LocalLimits counts in this process; with REDIS_URL
 * every instance counts in one Redis (server/scale/redis-limits.ts), each check-and-take atomic.
 *
 * `takeMessage` and `acquireSocket` may answer at once (a plain value) or later (a promise): in one
 * process they answer at once, so frames and upgrades keep today's synchronous path.
 */
export interface LimitCounters {
  takeMessage(user: string): MessageVerdict | Promise<MessageVerdict>;
  /** A lease on one of `max` concurrent answers of this person, or null when all are taken. */
  acquireTurn(user: string, max: number, chat?: string): Promise<Lease | null>;
  /**
   * Gives back the answer leases of this chat, whoever holds them: the chat was taken over from an
   * instance that died, so its running answer is over and must not count until its lease expires.
   */
  forgetChatTurns(user: string, chat: string): Promise<void>;
  /** A lease on one connection of this person from this peer, or null when either count is full. */
  acquireSocket(user: string, peer: string, limits: SocketLimits): Lease | null | Promise<Lease | null>;
  /** Whether `acquireSocket` would grant a place now, taking none (for the connection check). */
  hasSocketRoom(user: string, peer: string, limits: SocketLimits): boolean | Promise<boolean>;
  close(): Promise<void>;
}

/** A Lease that gives its place back once, however many times it is released. */
export function onceLease(giveBack: () => void): Lease {
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      giveBack();
    },
  };
}

/** Counts per key, removing a key at zero (the maps are keyed by client input: checklist 39). */
class Counts {
  private readonly counts = new Map<string, number>();

  get size(): number {
    return this.counts.size;
  }

  of(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  bump(key: string, delta: number): void {
    const n = this.of(key) + delta;
    if (n <= 0) this.counts.delete(key);
    else this.counts.set(key, n);
  }
}

export interface LocalLimitsOptions {
  messageRatePerS: number;
  messageBurst: number;
  /** Most buckets kept (RATE_LIMIT_MAX_USERS). */
  maxUsers: number;
  /** Milliseconds now; a test passes a fake clock. */
  now?: () => number;
}

/**
 * The limits of one process. One message bucket per user, shared by all of that user's sockets, so
 * reconnecting or switching transport does not refill it. The bucket map is bounded (checklist 39):
 * a full bucket is the same as a fresh one, so full buckets are dropped losslessly when the map
 * reaches its cap; if every bucket is still draining, the oldest is dropped (its user gets at most
 * one extra burst).
 */
export class LocalLimits implements LimitCounters {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly turns = new Counts();
  private readonly socketsByUser = new Counts();
  private readonly socketsByPeer = new Counts();
  private readonly now: () => number;

  constructor(private readonly options: LocalLimitsOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Buckets kept, for the bound's tests. */
  get bucketCount(): number {
    return this.buckets.size;
  }

  /** Users with a running answer or an open connection (both maps shrink to nothing when idle). */
  get heldKeys(): number {
    return this.turns.size + this.socketsByUser.size + this.socketsByPeer.size;
  }

  takeMessage(user: string): MessageVerdict {
    const bucket = this.bucketFor(user);
    if (bucket.take()) return { allowed: true };
    return { allowed: false, retryAfterMs: bucket.msUntilToken() };
  }

  acquireTurn(user: string, max: number): Promise<Lease | null> {
    return Promise.resolve(this.acquireTurnNow(user, max));
  }

  /** In one process an answer's lease ends with the answer (or with the whole process). */
  async forgetChatTurns(): Promise<void> {}

  /** The synchronous form, for callers that hold the limits in this process. */
  acquireTurnNow(user: string, max: number): Lease | null {
    if (this.turns.of(user) >= max) return null;
    this.turns.bump(user, 1);
    return onceLease(() => this.turns.bump(user, -1));
  }

  hasSocketRoom(user: string, peer: string, limits: SocketLimits): boolean {
    return this.socketsByUser.of(user) < limits.perUser && this.socketsByPeer.of(peer) < limits.perPeer;
  }

  acquireSocket(user: string, peer: string, limits: SocketLimits): Lease | null {
    if (!this.hasSocketRoom(user, peer, limits)) return null;
    this.socketsByUser.bump(user, 1);
    this.socketsByPeer.bump(peer, 1);
    return onceLease(() => {
      this.socketsByUser.bump(user, -1);
      this.socketsByPeer.bump(peer, -1);
    });
  }

  async close(): Promise<void> {}

  private bucketFor(user: string): TokenBucket {
    const existing = this.buckets.get(user);
    if (existing) return existing;
    if (this.buckets.size >= this.options.maxUsers) this.evict();
    const bucket = new TokenBucket(this.options.messageRatePerS, this.options.messageBurst, this.now);
    this.buckets.set(user, bucket);
    return bucket;
  }

  private evict(): void {
    for (const [user, bucket] of this.buckets) if (bucket.isFull()) this.buckets.delete(user);
    if (this.buckets.size < this.options.maxUsers) return;
    const oldest = this.buckets.keys().next().value;
    if (oldest !== undefined) this.buckets.delete(oldest);
  }
}

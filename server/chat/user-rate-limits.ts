import { TokenBucket } from './connection-state.js';

/**
 * One message token bucket per user, shared by all of that user's sockets, so reconnecting does not
 * refill it. The map is keyed by identity, so it is bounded (checklist 39): a full bucket is the
 * same as a fresh one, so full buckets are dropped losslessly when the map reaches its cap; if every
 * bucket is still draining, the oldest is dropped (its user gets at most one extra burst).
 */
export class UserRateLimits {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly ratePerS: number,
    private readonly burst: number,
    private readonly maxUsers: number,
  ) {}

  get size(): number {
    return this.buckets.size;
  }

  bucketFor(user: string): TokenBucket {
    const existing = this.buckets.get(user);
    if (existing) return existing;
    if (this.buckets.size >= this.maxUsers) this.evict();
    const bucket = new TokenBucket(this.ratePerS, this.burst);
    this.buckets.set(user, bucket);
    return bucket;
  }

  private evict(): void {
    for (const [user, bucket] of this.buckets) if (bucket.isFull()) this.buckets.delete(user);
    if (this.buckets.size < this.maxUsers) return;
    const oldest = this.buckets.keys().next().value;
    if (oldest !== undefined) this.buckets.delete(oldest);
  }
}

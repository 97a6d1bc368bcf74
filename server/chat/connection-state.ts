import type { Connection } from '../sessions/connection.js';
import type { Session } from '../sessions/session.js';
import type { ServerEventBody } from '../protocol/server-events.js';
import type { Principal } from '../tenants/tenant-directory.js';
import { SerialQueue } from './serial-queue.js';

/** A token bucket: `ratePerS` sustained, `burst` at once. */
export class TokenBucket {
  private tokens: number;
  private last = Date.now();

  constructor(
    private readonly ratePerS: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** True when the bucket has refilled completely, i.e. it is indistinguishable from a new one. */
  isFull(): boolean {
    this.refill();
    return this.tokens >= this.burst;
  }

  private refill(): void {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerS);
    this.last = now;
  }
}

/** Everything the server keeps for one socket. */
export class ConnectionState {
  session: Session | null = null;
  greeted = false;
  violations = 0;
  helloTimer: NodeJS.Timeout | undefined;
  lastRateLimitNotice = 0;
  /** This connection's frames, handled one at a time in arrival order. */
  readonly queue: SerialQueue;

  constructor(
    readonly conn: Connection,
    readonly bucket: TokenBucket,
    readonly testMode: boolean,
    /** Resolved when the connection opened: the person and the tenants they work for. */
    readonly principal: Principal,
  ) {
    this.queue = new SerialQueue((err) => conn.log.error({ err }, 'frame handling failed'));
  }

  /** Sends an event that is about this connection, not part of the session's replayable stream. */
  sendDirect(body: ServerEventBody, seq = 0): void {
    if (!this.conn.closed) this.conn.send(JSON.stringify({ ...body, seq }));
  }
}

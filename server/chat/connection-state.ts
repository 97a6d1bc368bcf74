import type { Connection } from '../sessions/connection.js';
import type { Session } from '../sessions/session.js';
import type { ServerEventBody } from '../protocol/server-events.js';
import type { Principal } from '../tenants/tenant-directory.js';
import { SerialQueue } from './serial-queue.js';

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

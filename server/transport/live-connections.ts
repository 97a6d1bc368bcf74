import type { Lease } from '../scale/limits.js';
import type { Connection } from '../sessions/connection.js';

/**
 * Every open chat connection of this process, WebSocket or event stream, with the place it holds
 * under the connection limits (ctx.limits counts them, across instances when they share Redis):
 * listed for shutdown notices, and its place given back when it closes.
 */
export class LiveConnections {
  private readonly leases = new Map<Connection, Lease>();

  get open(): ReadonlySet<Connection> {
    return new Set(this.leases.keys());
  }

  get size(): number {
    return this.leases.size;
  }

  add(conn: Connection, lease: Lease): void {
    this.leases.set(conn, lease);
  }

  remove(conn: Connection): void {
    const lease = this.leases.get(conn);
    if (!lease) return;
    this.leases.delete(conn);
    lease.release();
  }
}

import type { Env } from '../config/env.js';
import type { Connection } from '../sessions/connection.js';

/**
 * Every open chat connection, WebSocket or event stream: counted per user and per peer address for
 * the connection limits, and listed for shutdown notices. Both maps are keyed by client input, so
 * entries are removed at zero (checklist 39).
 */
export class LiveConnections {
  readonly byUser = new Map<string, number>();
  readonly byPeer = new Map<string, number>();
  readonly open = new Set<Connection>();

  hasRoom(user: string, peer: string, env: Pick<Env, 'WS_MAX_CONNECTIONS_PER_USER' | 'WS_MAX_CONNECTIONS_PER_IP'>): boolean {
    return (this.byUser.get(user) ?? 0) < env.WS_MAX_CONNECTIONS_PER_USER && (this.byPeer.get(peer) ?? 0) < env.WS_MAX_CONNECTIONS_PER_IP;
  }

  add(conn: Connection, peer: string): void {
    this.bump(this.byUser, conn.user, 1);
    this.bump(this.byPeer, peer, 1);
    this.open.add(conn);
  }

  remove(conn: Connection, peer: string): void {
    if (!this.open.delete(conn)) return;
    this.bump(this.byUser, conn.user, -1);
    this.bump(this.byPeer, peer, -1);
  }

  private bump(map: Map<string, number>, key: string, delta: number): void {
    const n = (map.get(key) ?? 0) + delta;
    if (n <= 0) map.delete(key);
    else map.set(key, n);
  }
}

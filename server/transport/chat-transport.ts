import type { AppContext } from '../app-context.js';
import { ChatService } from '../chat/chat-service.js';
import { ConnectionState } from '../chat/connection-state.js';
import type { Lease } from '../scale/limits.js';
import type { Connection } from '../sessions/connection.js';
import type { Principal } from '../tenants/tenant-directory.js';
import { Admission } from './admission.js';
import { LiveConnections } from './live-connections.js';

/**
 * What every transport shares, so a chat behaves the same over a WebSocket and over an event
 * stream: one ChatService (its message buckets are per user, in ctx.limits: switching transport does not refill them),
 * one list of connections (with their places under the limits) for shutdown, and one set of admission rules.
 */
export class ChatTransport {
  readonly chat: ChatService;
  readonly connections = new LiveConnections();
  /** The open event streams (HTTP-streaming connections) by connection id, for their POSTed frames. */
  readonly eventStreams = new Map<string, ConnectionState>();
  readonly admission: Admission;

  constructor(private readonly ctx: AppContext) {
    const { env } = ctx;
    this.chat = new ChatService(ctx);
    this.admission = new Admission(env, ctx.limits, () => ctx.shuttingDown);
  }

  /** A connection was accepted (holding `lease`, its place under the limits): list it and give it the chat state. */
  opened(conn: Connection, lease: Lease, testMode: boolean, principal: Principal): ConnectionState {
    const state = new ConnectionState(conn, testMode, principal);
    this.connections.add(conn, lease);
    // One gauge for both transports: dashboards keep watching the name they know.
    this.ctx.metrics.webSocketOpened();
    return state;
  }

  /** The connection is gone (closed by either side). Runs once per connection. */
  closed(state: ConnectionState): void {
    this.connections.remove(state.conn);
    this.ctx.metrics.webSocketClosed();
    try {
      this.chat.disconnected(state);
    } catch (err) {
      state.conn.log.error({ err }, 'disconnect handling failed');
    }
  }
}

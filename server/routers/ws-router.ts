import uws, { type TemplatedApp, type WebSocket } from 'uWebSockets.js';
import type { AppContext } from '../app-context.js';
import type { ConnectionState } from '../chat/connection-state.js';
import { AppError } from '../errors.js';
import { Reply } from '../http/reply.js';
import { snapshotRequest } from '../http/request.js';
import { CLOSE_CODES } from '../protocol/server-events.js';
import type { Connection, SendResult } from '../sessions/connection.js';
import { newId } from '../sessions/session-manager.js';
import type { Principal } from '../tenants/tenant-directory.js';
import type { Lease } from '../scale/limits.js';
import type { Admitted } from '../transport/admission.js';
import type { ChatTransport } from '../transport/chat-transport.js';

/** How far past WS_MAX_FRAME_BYTES uWS still buffers a frame, so we can close it with 1009 ourselves. */
const FRAME_HEADROOM = 4;

interface SocketData {
  user: string;
  /** The person's tenants, resolved at the upgrade (synchronously: see `upgrade`). */
  principal: Principal;
  peer: string;
  testMode: boolean;
  /** Its place under the connection limits, taken at the upgrade, given back when it closes. */
  lease: Lease;
  state?: ConnectionState;
}

/** The uWS socket behind the domain's Connection interface. */
class UwsConnection implements Connection {
  closed = false;

  constructor(
    private readonly ws: WebSocket<SocketData>,
    readonly id: string,
    readonly user: string,
    readonly log: AppContext['log'],
  ) {}

  send(json: string): SendResult {
    // NEVER touch ws after its close handler ran: uWS has freed it.
    if (this.closed) return 'dropped';
    const r = this.ws.send(json, false, false);
    return r === 1 ? 'sent' : r === 0 ? 'buffered' : 'dropped';
  }

  bufferedAmount(): number {
    return this.closed ? 0 : this.ws.getBufferedAmount();
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.ws.end(code, reason);
  }
}

export function registerWebSocket(app: TemplatedApp, ctx: AppContext, transport: ChatTransport): void {
  const { env } = ctx;
  const { chat } = transport;

  app.ws<SocketData>('/ws', {
    // uWS drops a socket over its own limit without a close frame (the client sees 1006), so it gets
    // headroom and the documented limit is checked in `message`, which can close with 1009. Frames
    // past the headroom still end abruptly: that bounds what uWS buffers per socket.
    maxPayloadLength: env.WS_MAX_FRAME_BYTES * FRAME_HEADROOM,
    idleTimeout: env.WS_IDLE_TIMEOUT_S,
    maxBackpressure: env.WS_MAX_BACKPRESSURE_BYTES,
    closeOnBackpressureLimit: true as unknown as number,
    maxLifetime: env.WS_MAX_LIFETIME_MIN,
    sendPingsAutomatically: true,
    compression: uws.DISABLED,

    // Everything is read from `req` before deciding, and in one process the decision is synchronous:
    // no window where the client can abort and free `res`/`req` under us (checklist 15). With
    // limits shared through Redis the place is taken asynchronously: Reply has registered onAborted,
    // a gone client gets its place given back, and the upgrade is written inside cork.
    upgrade: (res, req, context) => {
      const request = snapshotRequest(res, req);
      const key = req.getHeader('sec-websocket-key');
      const protocol = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      const reply = new Reply(res);
      const refuse = (err: AppError) => {
        ctx.log.warn({ code: err.code, peer: request.peer, url: request.url }, 'websocket upgrade refused');
        reply.error(err);
      };
      const refuseAny = (err: unknown) => refuse(err instanceof AppError ? err : new AppError('BAD_REQUEST'));
      const upgrade = ({ identity, lease }: Admitted) => {
        if (reply.aborted) return lease.release();
        const user = identity.email;
        const principal = ctx.tenants.principal(user);
        res.cork(() => res.upgrade<SocketData>({ user, principal, peer: request.peer, testMode: identity.viaTestMode, lease }, key, protocol, extensions, context));
      };
      let admitted: Admitted | Promise<Admitted>;
      try {
        admitted = transport.admission.admit(request);
      } catch (err) {
        return refuseAny(err);
      }
      if (!(admitted instanceof Promise)) return upgrade(admitted);
      admitted.then(upgrade, (err: unknown) => {
        if (!reply.aborted) refuseAny(err);
      });
    },

    open: (ws) => {
      const data = ws.getUserData();
      const id = newId('c');
      const log = ctx.log.child({ connId: id, user: data.user });
      const conn = new UwsConnection(ws, id, data.user, log);
      data.state = transport.opened(conn, data.lease, data.testMode, data.principal);
      data.state.helloTimer = setTimeout(() => conn.close(CLOSE_CODES.HELLO_TIMEOUT, 'hello expected'), env.WS_HELLO_TIMEOUT_MS);
      log.info({ peer: data.peer }, 'websocket open');
    },

    message: (ws, message, isBinary) => {
      const state = ws.getUserData().state;
      if (!state) return;
      if (message.byteLength > env.WS_MAX_FRAME_BYTES) {
        state.conn.log.warn({ bytes: message.byteLength }, 'frame over WS_MAX_FRAME_BYTES');
        return state.conn.close(CLOSE_CODES.MESSAGE_TOO_BIG, 'frame too large');
      }
      try {
        // The ArrayBuffer is only valid during this callback: decode it now. uWS has already
        // validated text frames as UTF-8 (it drops a socket sending anything else, before this runs).
        chat.handleFrame(state, Buffer.from(message).toString('utf8'), isBinary);
      } catch (err) {
        state.conn.log.error({ err }, 'frame handling failed');
      }
    },

    drain: (ws) => {
      ws.getUserData().state?.session?.pump();
    },

    close: (ws, code) => {
      const data = ws.getUserData();
      const state = data.state;
      if (!state) return;
      (state.conn as UwsConnection).closed = true;
      state.conn.log.info({ code }, 'websocket closed');
      transport.closed(state);
    },
  });
}


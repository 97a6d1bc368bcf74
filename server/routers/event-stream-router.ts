import type { TemplatedApp } from 'uWebSockets.js';
import type { AppContext } from '../app-context.js';
import { AppError, toAppError } from '../errors.js';
import { readBody } from '../http/body.js';
import { Reply } from '../http/reply.js';
import { header, snapshotRequest, type RequestSnapshot } from '../http/request.js';
import { PROTOCOL_VERSION } from '../protocol/client-messages.js';
import { CLOSE_CODES } from '../protocol/server-events.js';
import { newId } from '../sessions/session-manager.js';
import type { Admitted } from '../transport/admission.js';
import type { ChatTransport } from '../transport/chat-transport.js';
import { handleFramePost } from '../transport/frame-post.js';
import { SseConnection } from '../transport/sse-connection.js';
import { resumePoint } from '../transport/sse-framing.js';

export const EVENT_STREAM_PATH = '/sse';
/** uWS ends an HTTP response that writes nothing for 10 s, so a quiet stream speaks more often than that. */
const HEARTBEAT_MS = 5_000;

/**
 * The HTTP-streaming transport (docs/protocol.md, "HTTP streaming"): `GET /sse` opens a chat
 * connection whose server events stream as Server-Sent Events, and `POST /sse/<connection id>`
 * carries its client frames. Opening the stream is the hello (its query names the session and the
 * last seq seen), and it is admitted by the same rules as a WebSocket upgrade.
 */
export function registerEventStream(app: TemplatedApp, ctx: AppContext, transport: ChatTransport): void {
  const { env } = ctx;
  const streams = transport.eventStreams;
  const { exchange } = ctx;

  app.get(EVENT_STREAM_PATH, (res, req) => {
    const request = snapshotRequest(res, req);
    const reply = new Reply(res);
    // Like the upgrade: `req` is never used after this, and with shared limits (the only await)
    // Reply has registered onAborted and every write checks it.
    const refuse = (err: unknown) => {
      const appErr = toAppError(err, 'BAD_REQUEST');
      ctx.log.warn({ code: appErr.code, peer: request.peer, url: request.url }, 'event stream refused');
      reply.error(appErr);
    };
    let admitted: Admitted | Promise<Admitted>;
    try {
      if (request.url.length + request.query.length > env.MAX_URL_CHARS) throw new AppError('URL_TOO_LONG');
      admitted = transport.admission.admit(request);
    } catch (err) {
      return refuse(err);
    }
    if (!(admitted instanceof Promise)) return open(request, reply, admitted);
    admitted.then(
      (a) => (reply.aborted ? a.lease.release() : open(request, reply, a)),
      (err: unknown) => {
        if (!reply.aborted) refuse(err);
      },
    );
  });

  /** The stream is admitted: start it, and handle its hello. */
  function open(request: RequestSnapshot, reply: Reply, { identity, lease }: Admitted): void {
    const query = new URLSearchParams(request.query);
    // With several instances the id names the one holding the stream, so a frame POSTed to another finds it.
    const id = exchange.shared ? `${newId('c')}.${exchange.instance}` : newId('c');
    const log = ctx.log.child({ connId: id, user: identity.email });
    let state: ReturnType<ChatTransport['opened']> | undefined;
    const conn = new SseConnection(reply, id, identity.email, log, {
      maxBackpressureBytes: env.WS_MAX_BACKPRESSURE_BYTES,
      heartbeatMs: HEARTBEAT_MS,
      maxLifetimeMs: env.WS_MAX_LIFETIME_MIN * 60_000,
      onDrain: () => state?.session?.pump(),
      onGone: () => {
        streams.delete(id);
        if (!state) return;
        log.info('event stream closed');
        transport.closed(state);
      },
    });
    conn.start(`${EVENT_STREAM_PATH}/${id}`);
    if (conn.closed) return lease.release();
    // The person's tenants are resolved when the connection opens, as at the WebSocket upgrade.
    const opened = transport.opened(conn, lease, identity.viaTestMode, ctx.tenants.principal(identity.email));
    state = opened;
    streams.set(id, opened);
    log.info({ peer: request.peer }, 'event stream open');
    // A hello that never validates (a bad query) must not hold a connection open forever.
    opened.helloTimer = setTimeout(() => conn.close(CLOSE_CODES.HELLO_TIMEOUT, 'hello expected'), env.WS_HELLO_TIMEOUT_MS);
    const sessionId = query.get('sessionId');
    const lastSeq = resumePoint(header(request, 'last-event-id'), query.get('lastSeq'));
    const version = query.get('v');
    const hello = {
      type: 'hello',
      v: version === null ? PROTOCOL_VERSION : Number(version),
      ...(sessionId ? { sessionId } : {}),
      ...(lastSeq !== undefined ? { lastSeq } : {}),
    };
    try {
      transport.chat.handleFrame(opened, JSON.stringify(hello), false);
    } catch (err) {
      log.error({ err }, 'hello handling failed');
    }
  }

  app.post(`${EVENT_STREAM_PATH}/:connectionId`, (res, req) => {
    const request = snapshotRequest(res, req);
    const connectionId = req.getParameter(0) ?? '';
    const reply = new Reply(res);
    let user: string;
    try {
      user = transport.admission.request(request).email;
    } catch (err) {
      const appErr = toAppError(err, 'BAD_REQUEST');
      ctx.log.warn({ code: appErr.code, peer: request.peer }, 'posted frame refused');
      return reply.error(appErr);
    }
    // Attached before any await: chunks that arrive meanwhile must not be lost.
    const body = readBody(res, reply, request, env.WS_MAX_FRAME_BYTES);
    body.catch(() => {});
    const deps = {
      find: (key: string) => streams.get(key),
      handleFrame: transport.chat.handleFrame.bind(transport.chat),
      forward: (key: string, who: string, raw: string, binary: boolean) => {
        const holder = exchange.shared ? key.slice(key.lastIndexOf('.') + 1) : '';
        if (!holder || holder === exchange.instance || !key.includes('.')) return undefined;
        // Answered once the holder took the frame, so the client's next POST cannot overtake it.
        return exchange.ask(holder, { op: 'frame', connectionId: key, user: who, raw, binary }).then((r) => !!r?.ok);
      },
    };
    handleFramePost(deps, user, connectionId, body)
      .then(() => reply.send(202, ''))
      .catch((err: unknown) => {
        const appErr = toAppError(err);
        if (appErr.code === 'INTERNAL') ctx.log.error({ err }, 'posted frame failed');
        reply.error(appErr);
      });
  });
}

import type { TemplatedApp } from 'uWebSockets.js';
import type { AppContext } from '../app-context.js';
import { toAppError } from '../errors.js';
import { Reply } from '../http/reply.js';
import { snapshotRequest } from '../http/request.js';
import type { ChatTransport } from '../transport/chat-transport.js';
import { EVENT_STREAM_PATH } from './event-stream-router.js';

export const CONNECTION_CHECK_PATH = '/api/connection-check';

/**
 * A browser cannot read why a WebSocket handshake failed, so after a failure the page asks here:
 * this answers with the verdict the upgrade would give (same Admission rules, same status and JSON
 * error), or 200 with the transports on offer. A same-origin GET carries no Origin, so the page
 * names its own in `?origin=`; that only changes the answer, never what the caller may do.
 */
export function registerConnectionCheck(app: TemplatedApp, ctx: AppContext, transport: ChatTransport): void {
  app.get(CONNECTION_CHECK_PATH, (res, req) => {
    const request = snapshotRequest(res, req);
    const reply = new Reply(res);
    const statedOrigin = new URLSearchParams(request.query).get('origin');
    if (!request.headers.has('origin') && statedOrigin !== null) request.headers.set('origin', [statedOrigin]);
    const ok = () => reply.json(200, { ok: true, websocket: !ctx.env.DISABLE_WEBSOCKET, eventStream: EVENT_STREAM_PATH });
    const refused = (err: unknown) => reply.error(toAppError(err, 'BAD_REQUEST'));
    let verdict;
    try {
      verdict = transport.admission.connection(request);
    } catch (err) {
      return refused(err);
    }
    // Shared limits answer later; Reply writes nothing once the client has gone.
    if (verdict instanceof Promise) verdict.then(ok, refused);
    else ok();
  });
}

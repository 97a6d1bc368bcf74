import type { ConnectionState } from '../chat/connection-state.js';
import { AppError } from '../errors.js';
import { CLOSE_CODES } from '../protocol/server-events.js';

export interface FramePostDeps {
  /** The open event stream with this connection id, if any. */
  find(connectionId: string): ConnectionState | undefined;
  /** The same entry point a WebSocket frame goes through (rate limit, zod, ordering). */
  handleFrame(state: ConnectionState, raw: string, isBinary: boolean): void;
  /**
   * For a stream another instance holds (a load balancer without stickiness sent the POST here):
   * hands the frame over; false when that instance has no such stream of this person's.
   */
  forward?(connectionId: string, user: string, raw: string, isBinary: boolean): Promise<boolean> | undefined;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * One client frame posted for an event stream. The stream must be open and the caller's own:
 * someone else's connection id is answered exactly like an unknown one. What the frame causes
 * (replies, errors) arrives on the stream, as it would on the socket; the POST only says whether
 * the frame reached its connection. Over-long bodies close the stream with 1009, as a socket would be.
 */
export async function handleFramePost(deps: FramePostDeps, user: string, connectionId: string, body: Promise<Buffer>): Promise<void> {
  const state = deps.find(connectionId);
  if (!state && deps.forward) {
    const bytes = await body;
    const text = decodeText(bytes);
    const forwarded = deps.forward(connectionId, user, text ?? '', text === undefined);
    if (forwarded) {
      if (await forwarded) return;
      throw new AppError('NOT_FOUND', 'No such chat connection; open the event stream again.');
    }
  }
  if (!state || state.conn.user !== user || state.conn.closed) {
    throw new AppError('NOT_FOUND', 'No such chat connection; open the event stream again.');
  }
  let bytes: Buffer;
  try {
    bytes = await body;
  } catch (err) {
    if (err instanceof AppError && err.code === 'PAYLOAD_TOO_LARGE') {
      state.conn.log.warn('posted frame over WS_MAX_FRAME_BYTES');
      state.conn.close(CLOSE_CODES.MESSAGE_TOO_BIG, 'frame too large');
    }
    throw err;
  }
  if (state.conn.closed) throw new AppError('NOT_FOUND', 'No such chat connection; open the event stream again.');
  const text = decodeText(bytes);
  // A WebSocket would have been dropped for a text frame that is not UTF-8; here it is simply not text.
  if (text === undefined) deps.handleFrame(state, '', true);
  else deps.handleFrame(state, text, false);
}

function decodeText(bytes: Buffer): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

import type { ExchangeHandler, ExchangeReply, ExchangeRequest } from '../scale/session-exchange.js';
import type { ChatDeps } from './chat-deps.js';
import type { ConnectionState } from './connection-state.js';
import { TurnEnded } from './turn-end.js';

export interface FrameTarget {
  /** The event stream with this connection id held here, if any. */
  find(connectionId: string): ConnectionState | undefined;
  handleFrame(state: ConnectionState, raw: string, isBinary: boolean): void;
}

const REFUSED: ExchangeReply = { ok: false };

/**
 * How this instance answers the others about the chats it runs. Every request names the person,
 * and a chat or connection of someone else is answered exactly like a missing one.
 */
export function exchangeAnswers(ctx: ChatDeps, frames: FrameTarget): ExchangeHandler {
  return async (request: ExchangeRequest): Promise<ExchangeReply> => {
    if (request.op === 'frame') {
      const state = frames.find(request.connectionId);
      if (!state || state.conn.user !== request.user || state.conn.closed) return REFUSED;
      frames.handleFrame(state, request.raw, request.binary);
      return { ok: true };
    }
    const session = ctx.sessions.get(request.sessionId, request.user);
    if (!session || session.replica) return REFUSED;
    switch (request.op) {
      case 'follow':
        if (session.turn) ctx.sessions.followed(session);
        return {
          ok: true,
          snapshot: {
            seq: session.lastSeq,
            entries: session.view.entries,
            info: session.info(),
            ...(session.turn ? { runningMessageId: session.turn.messageId } : {}),
          },
        };
      case 'stop':
        if (session.turn) {
          if (request.reason === 'stopped') session.record({ kind: 'stop', messageId: session.turn.messageId });
          session.turn.controller.abort(new TurnEnded(request.reason));
        }
        return { ok: true };
      case 'release':
        // Everything is saved before the other instance reads the store.
        await session.turn?.done.catch(() => undefined);
        await ctx.sessions.end(session, 'moved');
        return { ok: true };
    }
  };
}

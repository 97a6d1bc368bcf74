import { describe, expect, it } from 'vitest';
import { ChatService } from '../../server/chat/chat-service.js';
import { LocalLimits, type LimitCounters, type MessageVerdict } from '../../server/scale/limits.js';
import { connect, fakeDeps } from './fake-chat.js';

const frame = (body: object) => JSON.stringify(body);

/** Limits that answer later, like Redis: each verdict after its own delay, so they settle out of order. */
function slowLimits(local: LocalLimits, delaysMs: number[]): LimitCounters {
  let i = 0;
  return {
    takeMessage: (user) => {
      const verdict = local.takeMessage(user);
      const delay = delaysMs[i++ % delaysMs.length]!;
      return new Promise<MessageVerdict>((resolve) => setTimeout(() => resolve(verdict), delay));
    },
    acquireTurn: (user, max) => local.acquireTurn(user, max),
    forgetChatTurns: () => local.forgetChatTurns(),
    acquireSocket: (user, peer, limits) => local.acquireSocket(user, peer, limits),
    hasSocketRoom: (user, peer, limits) => local.hasSocketRoom(user, peer, limits),
    close: () => local.close(),
  };
}

describe('the chat with limits that answer asynchronously', () => {
  it('handles frames in arrival order however their verdicts settle, and refuses with the same event', async () => {
    const local = new LocalLimits({ messageRatePerS: 1, messageBurst: 3, maxUsers: 10 });
    const deps = { ...fakeDeps(), limits: slowLimits(local, [30, 0, 15, 0]) };
    const chat = new ChatService(deps);
    const { conn, state } = connect('ann@corp.example');
    chat.handleFrame(state, frame({ type: 'hello', v: 1 }), false);
    chat.handleFrame(state, frame({ type: 'select-model', model: 'nope' }), false);
    chat.handleFrame(state, frame({ type: 'hello', v: 1 }), false);
    chat.handleFrame(state, frame({ type: 'stop' }), false); // the fourth: over the burst of 3
    await state.queue.idle();
    expect(conn.frames.map((f) => (f.type === 'error' ? `error:${f.code}` : f.type)).filter((t) => t !== 'selection')).toEqual([
      'ready',
      'error:MODEL_UNAVAILABLE',
      'error:BAD_MESSAGE',
      'error:RATE_LIMITED',
    ]);
  });
});

describe('the concurrent-answer lease', () => {
  it('is held while the answer runs and given back when it ends', async () => {
    const deps = fakeDeps();
    const limits = deps.limits as LocalLimits;
    const chat = new ChatService(deps);
    const { state } = connect('bo@corp.example');
    chat.handleFrame(state, frame({ type: 'hello', v: 1 }), false);
    chat.handleFrame(state, frame({ type: 'send', text: 'hello there' }), false);
    await state.queue.idle();
    expect(state.session?.turn).toBeTruthy();
    expect(limits.heldKeys).toBe(1);
    await state.session?.turn?.done;
    await new Promise((resolve) => setImmediate(resolve));
    expect(limits.heldKeys).toBe(0);
  });

  it('is given back at once when the answer never starts', async () => {
    const deps = fakeDeps();
    const limits = deps.limits as LocalLimits;
    const chat = new ChatService(deps);
    const { conn, state } = connect('cy@corp.example');
    chat.handleFrame(state, frame({ type: 'hello', v: 1 }), false);
    // History is off in these deps, so naming a file fails after the place was taken.
    chat.handleFrame(state, frame({ type: 'send', text: 'see file', attachments: ['f_missing00001'] }), false);
    await state.queue.idle();
    expect(conn.of('error')).toHaveLength(1);
    expect(state.session?.turn).toBeFalsy();
    expect(limits.heldKeys).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { ChatService } from '../../server/chat/chat-service.js';
import type { ReopenableChat } from '../../server/chat/conversation-archive.js';
import { connect, fakeDeps } from './fake-chat.js';

const hello = (extra: object = {}) => JSON.stringify({ type: 'hello', v: 1, ...extra });

async function settle(state: { queue: { idle(): Promise<void> } }, sessionTurn?: () => Promise<void> | undefined) {
  await state.queue.idle();
  await sessionTurn?.();
}

describe('ChatService with a fake connection', () => {
  it('greets, streams an answer and ends it exactly once', async () => {
    const deps = fakeDeps();
    const chat = new ChatService(deps);
    const { conn, state } = connect('ann@corp.example');
    chat.handleFrame(state, hello(), false);
    chat.handleFrame(state, JSON.stringify({ type: 'send', text: 'hello there' }), false);
    await settle(state, () => state.session?.turn?.done);
    expect(conn.of('ready')[0]).toMatchObject({ user: 'ann@corp.example', session: { model: 'demo' } });
    expect(conn.of('title')[0]?.title).toBe('hello there');
    expect(conn.of('message-end')).toHaveLength(1);
    expect(conn.of('message-end')[0]).toMatchObject({ incomplete: false });
    expect(conn.of('delta').map((d) => d.text).join('')).toContain('hello there');
  });

  it('refuses frames before hello and keeps frame order while a handler awaits', async () => {
    let release = () => undefined as void;
    const gate = new Promise<void>((r) => (release = r));
    const stored: ReopenableChat = {
      id: 's_stored000001', owner: 'ann@corp.example', tenant: 'default', title: 'Old', model: 'demo', tools: [], dataSources: [], locked: true,
      createdAt: '2026-11-30T10:00:00.000Z', entries: [{ id: 'u1', role: 'user', text: 'earlier', at: '2026-11-30T10:00:00.000Z' }], history: [{ role: 'user', text: 'earlier' }],
    };
    const deps = fakeDeps({ archive: { load: async (id, owner) => (await gate, id === stored.id && owner === stored.owner ? stored : undefined) } });
    const chat = new ChatService(deps);
    const { conn, state } = connect('ann@corp.example');
    chat.handleFrame(state, JSON.stringify({ type: 'stop' }), false);
    expect(conn.of('error')[0]?.code).toBe('HELLO_REQUIRED');
    chat.handleFrame(state, hello({ sessionId: stored.id }), false);
    chat.handleFrame(state, JSON.stringify({ type: 'send', text: 'continue' }), false);
    release();
    await settle(state, () => state.session?.turn?.done);
    const types = conn.frames.map((f) => f.type);
    expect(types.indexOf('ready')).toBeLessThan(types.indexOf('user-message'));
    expect(conn.of('history')[0]?.messages.map((m) => m.text)).toEqual(['earlier']);
    expect(state.session?.id).toBe(stored.id);
    expect(state.session?.history.map((m) => m.text).slice(0, 2)).toEqual(['earlier', 'continue']);
  });

  it("another user's stored chat looks like a missing one", async () => {
    const deps = fakeDeps({ archive: { load: async () => undefined } });
    const chat = new ChatService(deps);
    const { conn, state } = connect('bob@corp.example');
    chat.handleFrame(state, hello({ sessionId: 's_someoneelse1' }), false);
    await settle(state);
    expect(conn.of('error')[0]).toMatchObject({ code: 'NOT_FOUND' });
    expect(state.session?.id).not.toBe('s_someoneelse1');
  });

  it('a second connection takes over: the first is told and closed with 4001, then resumes nothing', async () => {
    const deps = fakeDeps();
    const chat = new ChatService(deps);
    const first = connect('ann@corp.example');
    chat.handleFrame(first.state, hello(), false);
    await settle(first.state);
    const second = connect('ann@corp.example');
    chat.handleFrame(second.state, hello({ sessionId: first.state.session?.id, lastSeq: 0 }), false);
    await settle(second.state);
    expect(first.conn.of('takeover')).toHaveLength(1);
    expect(first.conn.closeCode).toBe(4001);
    expect(second.state.session).toBe(first.state.session);
  });

  it('with takeover set to reject, the newer connection is refused with 4004', async () => {
    const deps = fakeDeps({ takeover: 'reject' });
    const chat = new ChatService(deps);
    const first = connect('ann@corp.example');
    chat.handleFrame(first.state, hello(), false);
    await settle(first.state);
    const second = connect('ann@corp.example');
    chat.handleFrame(second.state, hello(), false);
    await settle(second.state);
    expect(second.conn.closeCode).toBe(4004);
    expect(first.conn.closed).toBe(false);
  });

  it('a resume after a drop replays exactly the missed events', async () => {
    const deps = fakeDeps();
    const chat = new ChatService(deps);
    const first = connect('ann@corp.example');
    chat.handleFrame(first.state, hello(), false);
    chat.handleFrame(first.state, JSON.stringify({ type: 'send', text: 'tell me something' }), false);
    await settle(first.state, () => first.state.session?.turn?.done);
    const seen = first.conn.frames.filter((f) => f.seq > 0);
    const cut = seen[2]!.seq;
    first.conn.closed = true;
    chat.disconnected(first.state);
    const again = connect('ann@corp.example');
    chat.handleFrame(again.state, hello({ sessionId: first.state.session?.id, lastSeq: cut }), false);
    await settle(again.state);
    const replayed = again.conn.frames.filter((f) => f.seq > 0).map((f) => f.seq);
    expect(replayed).toEqual(seen.filter((f) => f.seq > cut).map((f) => f.seq));
  });
});

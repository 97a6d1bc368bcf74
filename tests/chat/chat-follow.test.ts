import { describe, expect, it } from 'vitest';
import { ChatService } from '../../server/chat/chat-service.js';
import type { ReopenableChat } from '../../server/chat/conversation-archive.js';
import type { ChatOwner, ExchangeReply, ExchangeRequest, SessionExchange, SharedEvent, SharedReader } from '../../server/scale/session-exchange.js';
import { connect, fakeDeps } from './fake-chat.js';

const CHAT = 's_followed0001';
const USER = 'ann@corp.example';
const OWNER: ChatOwner = { instance: 'other', user: USER, stream: 'galaxy:events:s_followed0001:0' };
const AT = '2026-12-01T10:00:00.000Z';
const info = { id: CHAT, tenant: 'default', model: 'demo', tools: [], dataSources: [], locked: true, startedAt: AT, title: 'Counting', runningMessageId: 'm_run' };
const event = (seq: number, body: object): SharedEvent => ({ seq, json: JSON.stringify({ ...body, seq }) });

/** Another instance, as far as this one can see it: an owner key, a stream, and answers to requests. */
class FakeExchange implements SessionExchange {
  readonly instance = 'here';
  readonly shared = true;
  owner: ChatOwner | undefined = OWNER;
  readonly stream: SharedEvent[] = [];
  readonly asked: ExchangeRequest[] = [];
  readonly claimed: string[] = [];
  answerWith: (request: ExchangeRequest) => ExchangeReply | undefined = () => ({ ok: false });
  private wake: (() => void) | undefined;

  push(...events: SharedEvent[]): void {
    this.stream.push(...events);
    this.wake?.();
  }
  async claim(id: string): Promise<number> {
    this.claimed.push(id);
    return 1_000_000_000;
  }
  async disown(): Promise<void> {}
  async ownerElsewhere(): Promise<ChatOwner | undefined> {
    return this.owner;
  }
  publish(): void {}
  reader(): SharedReader {
    return {
      next: async (afterSeq, waitMs) => {
        const ready = () => this.stream.filter((e) => e.seq > afterSeq);
        if (ready().length === 0) await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, Math.min(waitMs, 50));
        });
        return ready();
      },
      covers: async (afterSeq) => this.stream.length > 0 && this.stream[0]!.seq <= afterSeq + 1,
      close: () => undefined,
    };
  }
  async ask(_instance: string, request: ExchangeRequest): Promise<ExchangeReply | undefined> {
    this.asked.push(request);
    return this.answerWith(request);
  }
  answer(): void {}
  setCurrent(): void {}
  async current(): Promise<string | undefined> {
    return undefined;
  }
  async close(): Promise<void> {}
}

const stored: ReopenableChat = {
  id: CHAT, owner: USER, tenant: 'default', title: 'Counting', model: 'demo', tools: [], dataSources: [], locked: true, createdAt: AT,
  entries: [{ id: 'u1', role: 'user', text: 'count', at: AT }, { id: 'm_run', role: 'assistant', text: 'one two', at: AT, incomplete: true }],
  history: [{ role: 'user', text: 'count' }, { role: 'assistant', text: 'one two' }],
};

function setup() {
  const exchange = new FakeExchange();
  const deps = fakeDeps({ exchange, archive: { load: async (id, owner) => (id === CHAT && owner === USER ? stored : undefined) } });
  const chat = new ChatService(deps);
  const { conn, state } = connect(USER);
  return { exchange, deps, chat, conn, state };
}

describe('following a chat another instance runs', () => {
  it('resumes from the reader\'s seq out of the shared log, then takes the chat over when the answer ends', async () => {
    const { exchange, chat, conn, state } = setup();
    exchange.stream.push(event(3, { type: 'delta', id: 'm_run', text: 'one ' }), event(4, { type: 'delta', id: 'm_run', text: 'two ' }));
    exchange.answerWith = (r) => (r.op === 'follow' ? { ok: true, snapshot: { seq: 4, entries: stored.entries, info, runningMessageId: 'm_run' } } : { ok: true });
    chat.handleFrame(state, JSON.stringify({ type: 'hello', v: 1, sessionId: CHAT, lastSeq: 3 }), false);
    await state.queue.idle();
    expect(conn.of('ready')[0]?.session).toMatchObject({ id: CHAT, runningMessageId: 'm_run' });
    expect(conn.of('history')).toHaveLength(0);
    expect(conn.of('delta').map((d) => [d.seq, d.text])).toEqual([[4, 'two ']]);

    // A send while it runs there is refused as for a local answer; Stop is forwarded to the owner.
    chat.handleFrame(state, JSON.stringify({ type: 'send', text: 'too soon' }), false);
    await state.queue.idle();
    expect(conn.of('error').at(-1)?.code).toBe('TURN_IN_PROGRESS');
    chat.handleFrame(state, JSON.stringify({ type: 'stop' }), false);
    await state.queue.idle();
    expect(exchange.asked.at(-1)).toEqual({ op: 'stop', sessionId: CHAT, user: USER, reason: 'stopped' });

    exchange.push(event(5, { type: 'delta', id: 'm_run', text: 'three' }), event(6, { type: 'message-end', id: 'm_run', finishReason: 'stopped', incomplete: true }));
    await state.session!.turn?.done;
    expect(conn.of('message-end')[0]).toMatchObject({ seq: 6, id: 'm_run' });
    expect(exchange.asked.at(-1)).toMatchObject({ op: 'release', sessionId: CHAT });
    expect(exchange.claimed).toEqual([CHAT]);
    expect(state.session!.replica).toBe(false);
    expect(state.session!.history).toEqual(stored.history);

    // Now it runs here: a new answer continues the seqs the reader already has.
    chat.handleFrame(state, JSON.stringify({ type: 'send', text: 'and four?' }), false);
    await state.queue.idle();
    await state.session!.turn?.done;
    const later = conn.of('user-message')[0]!;
    expect(later.seq).toBe(7);
  });

  it('sends the owner\'s snapshot when the log no longer has what the reader missed', async () => {
    const { exchange, chat, conn, state } = setup();
    exchange.stream.push(event(9, { type: 'delta', id: 'm_run', text: 'late ' }));
    exchange.answerWith = (r) => (r.op === 'follow' ? { ok: true, snapshot: { seq: 9, entries: stored.entries, info, runningMessageId: 'm_run' } } : { ok: true });
    chat.handleFrame(state, JSON.stringify({ type: 'hello', v: 1, sessionId: CHAT, lastSeq: 2 }), false);
    await state.queue.idle();
    expect(conn.of('history')[0]).toMatchObject({ seq: 9, runningMessageId: 'm_run' });
    expect(conn.of('history')[0]?.messages).toEqual(stored.entries);
  });

  it('tells the reader when the owner dies under the answer, and goes on with what was saved', async () => {
    const { exchange, chat, conn, state } = setup();
    exchange.answerWith = (r) => (r.op === 'follow' ? { ok: true, snapshot: { seq: 4, entries: stored.entries, info, runningMessageId: 'm_run' } } : undefined);
    chat.handleFrame(state, JSON.stringify({ type: 'hello', v: 1, sessionId: CHAT, lastSeq: 4 }), false);
    await state.queue.idle();
    exchange.owner = undefined; // its key expired
    await state.session!.turn?.done;
    expect(conn.of('error').at(-1)).toMatchObject({ code: 'ANSWER_INTERRUPTED', messageId: 'm_run', seq: 5 });
    expect(conn.of('message-end').at(-1)).toMatchObject({ id: 'm_run', incomplete: true, seq: 6 });
    expect(state.session!.replica).toBe(false);
  });

  it('reopens the chat from the store with a notice when its owner is already gone', async () => {
    const { exchange, chat, conn, state } = setup();
    exchange.answerWith = () => ({ ok: false, gone: true });
    chat.handleFrame(state, JSON.stringify({ type: 'hello', v: 1, sessionId: CHAT, lastSeq: 4 }), false);
    await state.queue.idle();
    expect(conn.of('history')[0]?.messages).toEqual(stored.entries);
    expect(conn.of('notice')[0]).toMatchObject({ key: 'answer-interrupted' });
    expect(exchange.claimed).toEqual([CHAT]);
    expect(state.session!.lastSeq).toBeGreaterThan(1_000_000_000);
  });

  it('moves an idle chat here: the owner lets go first', async () => {
    const { exchange, chat, conn, state } = setup();
    const idle = { ...info, runningMessageId: undefined };
    exchange.answerWith = (r) => (r.op === 'follow' ? { ok: true, snapshot: { seq: 8, entries: stored.entries, info: idle } } : { ok: true });
    chat.handleFrame(state, JSON.stringify({ type: 'hello', v: 1, sessionId: CHAT, lastSeq: 8 }), false);
    await state.queue.idle();
    expect(exchange.asked.map((r) => r.op)).toEqual(['follow', 'release']);
    expect(conn.of('history')[0]?.messages).toEqual(stored.entries);
    expect(conn.of('notice')).toHaveLength(0);
  });
});

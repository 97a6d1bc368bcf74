import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StoreSink } from '../../server/chat/store-sink.js';
import type { StoredMessage, Store, UpsertOptions } from '../../server/store/store.js';

/** Records what the sink asks of the store; messages are kept by id like the real upsert does. */
function fakeStore() {
  const messages = new Map<string, StoredMessage>();
  const calls: string[] = [];
  const usage: unknown[] = [];
  const store = {
    createConversation: async () => void calls.push('create'),
    updateConversation: async (_id: string, _o: string, patch: object) => (calls.push(`update ${Object.keys(patch).join(',')}`), true),
    appendMessages: async (_id: string, ms: StoredMessage[]) => void ms.forEach((m) => (calls.push(`append ${m.id}`), messages.set(m.id, { ...m }))),
    upsertMessage: async (m: StoredMessage, options?: UpsertOptions) => void (calls.push(`upsert ${m.id}${options?.partial ? ' partial' : ''}`), messages.set(m.id, { ...m })),
    recordUsage: async (u: unknown) => void usage.push(u),
    saveFeedback: async () => void calls.push('feedback'),
  } as unknown as Store;
  return { store, messages, calls, usage };
}

describe('StoreSink', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }));
  afterEach(() => vi.useRealTimers());

  function sink(store: Store, onWriteError: (err: unknown) => void = () => undefined) {
    return new StoreSink(store, { conversationId: 's_1', owner: 'a@b.c', tenant: 'default', keepMessages: true, partialSaveMs: 2000, log: pino({ level: 'silent' }), onWriteError });
  }

  it('saves streamed text at the interval, never per delta, and the final answer once at the end', async () => {
    const { store, messages, calls } = fakeStore();
    const s = sink(store);
    s.record({ kind: 'assistant-start', id: 'm1', model: 'demo', at: 'now' });
    for (let i = 0; i < 100; i += 1) s.record({ kind: 'assistant-text', id: 'm1', text: 'x' });
    await s.flush();
    expect(calls.filter((c) => c.startsWith('upsert m1'))).toHaveLength(1); // the start row only
    vi.advanceTimersByTime(2000);
    await s.flush();
    expect(messages.get('m1')).toMatchObject({ text: 'x'.repeat(100), incomplete: true });
    s.record({ kind: 'assistant-end', id: 'm1', model: 'demo', text: 'x'.repeat(100), reason: 'done', finishReason: 'stop' });
    await s.flush();
    expect(messages.get('m1')).toMatchObject({ incomplete: false, finishReason: 'stop' });
    expect(calls.filter((c) => c.startsWith('upsert m1'))).toHaveLength(3);
  });

  it('saves the start row and interval saves as partial (not re-indexed), the final answer and a shutdown save in full', async () => {
    const { store, calls } = fakeStore();
    const s = sink(store);
    s.record({ kind: 'assistant-start', id: 'm1', model: 'demo', at: 'now' });
    s.record({ kind: 'assistant-text', id: 'm1', text: 'a' });
    vi.advanceTimersByTime(2000);
    s.record({ kind: 'assistant-text', id: 'm1', text: 'b' });
    vi.advanceTimersByTime(2000);
    s.record({ kind: 'assistant-end', id: 'm1', model: 'demo', text: 'ab', reason: 'done', finishReason: 'stop' });
    s.record({ kind: 'assistant-start', id: 'm2', model: 'demo', at: 'now' });
    s.record({ kind: 'assistant-text', id: 'm2', text: 'cut' });
    await s.close();
    expect(calls).toEqual(['upsert m1 partial', 'upsert m1 partial', 'upsert m1 partial', 'upsert m1', 'upsert m2 partial', 'upsert m2']);
  });

  it('records usage per model call, marked when estimated, and keeps tool rows per answer', async () => {
    const { store, messages, usage } = fakeStore();
    const s = sink(store);
    s.record({ kind: 'assistant-start', id: 'm1', model: 'demo', at: 'now' });
    const call = { id: 'call_1', type: 'function' as const, function: { name: 'basic_math', arguments: '{}' } };
    s.record({ kind: 'model-call', messageId: 'm1', model: 'demo', round: 0, text: '', durationMs: 3, finishReason: 'tool_calls', usage: { promptTokens: 10, completionTokens: 2, totalTokens: 12, estimated: true }, toolCalls: [call] });
    s.record({ kind: 'tool-call', messageId: 'm1', callId: 'call_1', name: 'basic_math', args: {} });
    s.record({ kind: 'tool-error', messageId: 'm1', callId: 'call_1', name: 'basic_math', code: 'TOOL_TIMEOUT', message: 'slow', durationMs: 9 });
    s.record({ kind: 'assistant-end', id: 'm1', model: 'demo', text: '', reason: 'stopped', finishReason: 'stopped' });
    await s.flush();
    expect(usage).toEqual([expect.objectContaining({ user: 'a@b.c', tenant: 'default', model: 'demo', promptTokens: 10, completionTokens: 2, estimated: true })]);
    expect(messages.get('m1.call_1')).toMatchObject({ role: 'tool', toolCallId: 'call_1', toolError: 'TOOL_TIMEOUT: slow' });
    expect(messages.get('m1')).toMatchObject({ incomplete: true, finishReason: 'stopped', toolCalls: [{ id: 'call_1', name: 'basic_math', arguments: '{}' }] });
  });

  it('reports a failed write and goes on with the next', async () => {
    const { store, messages } = fakeStore();
    const errors: unknown[] = [];
    (store as { appendMessages: unknown }).appendMessages = async () => {
      throw new Error('disk full');
    };
    const s = sink(store, (err: unknown) => void errors.push(err));
    s.record({ kind: 'user-message', id: 'u1', text: 'hi', at: 'now' });
    s.record({ kind: 'assistant-start', id: 'm1', model: 'demo', at: 'now' });
    await s.flush();
    expect((errors[0] as Error).message).toBe('disk full');
    expect(messages.has('m1')).toBe(true);
  });
});

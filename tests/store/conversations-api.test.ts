import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../server/store/store.js';
import { startGalaxy, type Galaxy } from '../support/galaxy.js';

const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';
let g: Galaxy;
let store: Store;

async function call(path: string, init: RequestInit & { user?: string } = {}) {
  const { user = ALICE, headers, ...rest } = init;
  const res = await fetch(`${g.httpUrl}${path}`, { ...rest, headers: { 'X-EMAIL-USER': user, ...(headers as Record<string, string>) } });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}
const patch = (path: string, body: string, user = ALICE) =>
  call(path, { method: 'PATCH', body, user, headers: { 'Content-Type': 'application/json' } });

beforeAll(async () => {
  g = await startGalaxy();
  store = g.server.ctx.store;
  for (let i = 0; i < 5; i++) {
    await store.createConversation({ id: `a${i}`, owner: ALICE, tenant: 'acme', title: `Alice chat ${i}`, model: 'demo', tools: [], dataSources: [], locked: true, createdAt: `2026-03-0${i + 1}T10:00:00.000Z` });
  }
  await store.appendMessages('a0', [
    { id: 'a0-u', conversationId: 'a0', role: 'user', text: 'What lives in Australia?', createdAt: '2026-03-01T10:00:01.000Z' },
    {
      id: 'a0-a', conversationId: 'a0', role: 'assistant', createdAt: '2026-03-01T10:00:02.000Z', model: 'demo',
      text: 'Many animals. Among them the wombat digs burrows. And more.',
      toolCalls: [{ id: 'call-1', name: 'basic_math', arguments: '{"expression":"2+2"}' }],
      usage: { promptTokens: 12, completionTokens: 9, totalTokens: 21 }, timings: { firstTokenMs: 5, durationMs: 40 },
    },
    { id: 'a0-t', conversationId: 'a0', role: 'tool', text: '4', createdAt: '2026-03-01T10:00:03.000Z', toolCallId: 'call-1', toolName: 'basic_math', toolArgs: { expression: '2+2' } },
  ]);
  await store.createConversation({ id: 'b0', owner: BOB, tenant: 'acme', title: 'Bob wombat secrets', model: 'demo', tools: [], dataSources: [], locked: false, createdAt: '2026-03-02T00:00:00.000Z' });
  await store.recordUsage({ user: ALICE, tenant: 'acme', model: 'demo', at: new Date('2026-03-05T00:00:00Z'), promptTokens: 12, completionTokens: 9, estimated: false });
  await store.recordUsage({ user: ALICE, tenant: 'acme', model: 'fake', at: new Date('2026-03-06T00:00:00Z'), promptTokens: 3, completionTokens: 1, estimated: true });
  await store.recordUsage({ user: BOB, tenant: 'acme', model: 'demo', at: new Date('2026-03-06T00:00:00Z'), promptTokens: 500, completionTokens: 500, estimated: false });
});
afterAll(async () => g.close());

describe('conversations API', () => {
  it('lists the caller’s conversations newest first, in pages', async () => {
    const first = await call('/api/conversations?limit=3');
    expect(first.status).toBe(200);
    const page1 = first.json();
    expect(page1.items.map((c: { id: string }) => c.id)).toEqual(['a4', 'a3', 'a2']);
    expect(page1.items[0]).toMatchObject({ owner: ALICE, title: 'Alice chat 4', locked: true, messageCount: 0 });
    const page2 = (await call(`/api/conversations?limit=3&cursor=${encodeURIComponent(page1.nextCursor)}`)).json();
    expect(page2.items.map((c: { id: string }) => c.id)).toEqual(['a1', 'a0']);
    expect(page2.nextCursor).toBeUndefined();
    expect((await call('/api/conversations?limit=0')).status).toBe(400);
    expect((await call('/api/conversations?cursor=nonsense')).json().error.code).toBe('BAD_REQUEST');
  });

  it('searches message text and titles, only the caller’s', async () => {
    const res = (await call('/api/conversations?q=wombat')).json();
    expect(res.items).toHaveLength(1);
    expect(res.items[0]).toMatchObject({ id: 'a0', title: 'Alice chat 0' });
    expect(res.items[0].snippet).toContain('wombat digs burrows');
    expect(typeof res.items[0].rank).toBe('number');
    expect((await call('/api/conversations?q=wombat', { user: BOB })).json().items.map((c: { id: string }) => c.id)).toEqual(['b0']);
  });

  it('returns a conversation with its messages, and 404 for another person’s or an unknown id', async () => {
    const res = await call('/api/conversations/a0');
    expect(res.status).toBe(200);
    const body = res.json();
    expect(body.conversation).toMatchObject({ id: 'a0', messageCount: 3 });
    expect(body.messages.map((m: { id: string; seq: number }) => [m.id, m.seq])).toEqual([['a0-u', 1], ['a0-a', 2], ['a0-t', 3]]);
    const foreign = await call('/api/conversations/b0');
    const unknown = await call('/api/conversations/nope');
    expect(foreign.status).toBe(404);
    expect(foreign.text).toBe(unknown.text);
    expect(foreign.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'Not found.' } });
    for (const ext of ['txt', 'md', 'json']) expect((await call(`/api/conversations/b0/export.${ext}`)).status).toBe(404);
    expect((await call('/api/conversations/b0', { method: 'DELETE' })).status).toBe(404);
    expect((await patch('/api/conversations/b0', '{"title":"mine now"}')).status).toBe(404);
    expect((await call('/api/conversations/b0', { user: BOB })).status).toBe(200);
  });

  it('requires identity', async () => {
    const res = await fetch(`${g.httpUrl}/api/conversations`);
    expect(res.status).toBe(401);
  });

  it('renames with a trimmed title and refuses bad bodies with 400', async () => {
    const ok = await patch('/api/conversations/a1', '{"title":"  Trip planning  "}');
    expect(ok.status).toBe(200);
    expect(ok.json()).toMatchObject({ id: 'a1', title: 'Trip planning' });
    expect((await call('/api/conversations/a1')).json().conversation.title).toBe('Trip planning');
    for (const body of ['{"title":"   "}', '{"title":""}', `{"title":"${'x'.repeat(201)}"}`, '{"title":5}', '{"title":"ok","owner":"bob"}', 'not json', '[]']) {
      const res = await patch('/api/conversations/a1', body);
      expect(res.status, body).toBe(400);
      expect(res.json().error.code, body).toBe('BAD_REQUEST');
    }
    const plain = await call('/api/conversations/a1', { method: 'PATCH', body: '{"title":"x"}', headers: { 'Content-Type': 'text/plain' } });
    expect(plain.status).toBe(400);
    const huge = await patch('/api/conversations/a1', JSON.stringify({ title: 'y', pad: 'z'.repeat(10_000) }));
    expect(huge.status).toBe(413);
    expect((await call('/api/conversations/a1')).json().conversation.title).toBe('Trip planning');
  });

  it('exports as text, markdown and versioned JSON attachments with tool calls, models, timings and usage', async () => {
    const txt = await call('/api/conversations/a0/export.txt');
    expect(txt.status).toBe(200);
    expect(txt.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(txt.headers.get('content-disposition')).toBe('attachment; filename="galaxy-chat-a0.txt"');
    expect(txt.text).toContain('You:\nWhat lives in Australia?');
    expect(txt.text).toContain('Assistant (demo, 12 + 9 tokens, 40 ms):');
    expect(txt.text).toContain('→ calls basic_math {"expression":"2+2"}');
    const md = await call('/api/conversations/a0/export.md');
    expect(md.headers.get('content-disposition')).toBe('attachment; filename="galaxy-chat-a0.md"');
    expect(md.text).toContain('# Alice chat 0');
    expect(md.text).toContain('## Tool: basic_math');
    const json = await call('/api/conversations/a0/export.json');
    expect(json.headers.get('content-disposition')).toBe('attachment; filename="galaxy-chat-a0.json"');
    const doc = json.json();
    expect(doc).toMatchObject({ format: 'galaxy-chat.conversation', version: 1, conversation: { id: 'a0' } });
    expect(doc.messages[1]).toMatchObject({
      model: 'demo', toolCalls: [{ id: 'call-1', name: 'basic_math', arguments: '{"expression":"2+2"}' }],
      usage: { promptTokens: 12, completionTokens: 9, totalTokens: 21 }, timings: { firstTokenMs: 5, durationMs: 40 },
    });
    expect(doc.messages[2]).toMatchObject({ role: 'tool', toolCallId: 'call-1', toolArgs: { expression: '2+2' } });
  });

  it('reports the caller’s usage for a month with totals', async () => {
    const res = await call('/api/usage?month=2026-03');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({
      month: '2026-03',
      rows: [
        { user: ALICE, tenant: 'acme', model: 'demo', month: '2026-03', requests: 1, promptTokens: 12, completionTokens: 9, estimatedCalls: 0 },
        { user: ALICE, tenant: 'acme', model: 'fake', month: '2026-03', requests: 1, promptTokens: 3, completionTokens: 1, estimatedCalls: 1 },
      ],
      totals: { requests: 2, promptTokens: 15, completionTokens: 10 },
      // Without a tenants file: the one implicit tenant, with no budget.
      tenants: [{ id: 'default', name: expect.any(String) }],
      // Files stored now (not per month), against ATTACHMENT_QUOTA_MB_PER_USER.
      attachments: { usedBytes: 0, allowedBytes: 200 * 1024 * 1024 },
    });
    const current = (await call('/api/usage')).json();
    expect(current.month).toBe(new Date().toISOString().slice(0, 7));
    expect((await call('/api/usage?month=2026-13')).status).toBe(400);
  });

  it('deletes a conversation for good: 204, then 404', async () => {
    const res = await call('/api/conversations/a0', { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect((await call('/api/conversations/a0')).status).toBe(404);
    expect((await call('/api/conversations?q=wombat')).json().items).toEqual([]);
    expect((await call('/api/conversations/a0', { method: 'DELETE' })).status).toBe(404);
  });
});

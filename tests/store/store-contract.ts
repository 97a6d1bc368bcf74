import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewConversation, Store, StoredAttachment, StoredMessage } from '../../server/store/store.js';

/**
 * The behaviour every Store implementation must have. Each implementation's test file calls this
 * with a factory that returns a fresh, empty store.
 */
export function storeContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => store.close());

    const conv = (id: string, owner: string, createdAt: string, extra: Partial<NewConversation> = {}): NewConversation => ({
      id, owner, tenant: 'acme', title: `Chat ${id}`, model: 'demo', tools: [], dataSources: [], locked: false, createdAt, ...extra,
    });
    const msg = (id: string, conversationId: string, role: StoredMessage['role'], text: string, createdAt: string, extra: Partial<StoredMessage> = {}): StoredMessage => ({
      id, conversationId, role, text, createdAt, ...extra,
    });

    it('keeps conversations to their owner, comparing e-mails case-insensitively', async () => {
      await store.createConversation(conv('c1', 'Alice@Example.com', '2026-01-01T00:00:00.000Z', { tools: ['basic_math'], dataSources: ['sales'] }));
      await store.appendMessages('c1', [msg('m1', 'c1', 'user', 'hello', '2026-01-01T00:00:01.000Z')]);
      const mine = await store.getConversation('c1', 'alice@example.com');
      expect(mine).toMatchObject({ id: 'c1', owner: 'alice@example.com', tools: ['basic_math'], dataSources: ['sales'], messageCount: 1, locked: false });
      expect(mine?.updatedAt).toBe('2026-01-01T00:00:01.000Z');
      expect(await store.getConversation('c1', 'bob@example.com')).toBeUndefined();
      expect(await store.getMessages('c1', 'bob@example.com')).toEqual([]);
      expect(await store.updateConversation('c1', 'bob@example.com', { title: 'stolen' })).toBe(false);
      expect(await store.deleteConversation('c1', 'bob@example.com')).toBe(false);
      expect((await store.listConversations('bob@example.com', { limit: 10 })).items).toEqual([]);
      await expect(store.saveFeedback({ conversationId: 'c1', user: 'bob@example.com', rating: 'bad', at: '2026-01-02T00:00:00Z' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect((await store.getConversation('c1', 'ALICE@example.com'))?.title).toBe('Chat c1');
    });

    it('supersedes a message and every later one, keeping them as the earlier branch, for the owner only', async () => {
      await store.createConversation(conv('v1', 'alice@example.com', '2026-01-01T00:00:00.000Z'));
      await store.appendMessages('v1', [
        msg('u1', 'v1', 'user', 'first', '2026-01-01T00:00:01.000Z'),
        msg('a1', 'v1', 'assistant', 'answer one', '2026-01-01T00:00:02.000Z', { usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 } }),
        msg('u2', 'v1', 'user', 'second', '2026-01-01T00:00:03.000Z'),
        msg('a2', 'v1', 'assistant', 'answer two', '2026-01-01T00:00:04.000Z'),
      ]);
      expect(await store.supersedeFrom('v1', 'bob@example.com', 'u2')).toBe(0);
      expect(await store.supersedeFrom('v1', 'alice@example.com', 'nope')).toBe(0);
      expect(await store.supersedeFrom('v1', 'Alice@example.com', 'a1')).toBe(3);
      await store.appendMessages('v1', [msg('a1b', 'v1', 'assistant', 'answer one, again', '2026-01-01T00:00:05.000Z')]);
      const messages = await store.getMessages('v1', 'alice@example.com');
      expect(messages.map((m) => [m.id, !!m.superseded])).toEqual([['u1', false], ['a1', true], ['u2', true], ['a2', true], ['a1b', false]]);
      expect(messages[1]).toMatchObject({ text: 'answer one', usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 } });
    });

    it('pages newest first with a cursor, without gaps or repeats', async () => {
      for (let i = 0; i < 7; i++) await store.createConversation(conv(`p${i}`, 'alice@example.com', `2026-02-0${i + 1}T00:00:00.000Z`));
      // Same updatedAt for two: the id breaks the tie, so paging stays exact.
      await store.createConversation(conv('p7', 'alice@example.com', '2026-02-07T00:00:00.000Z'));
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.listConversations('alice@example.com', { limit: 3, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((c) => c.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(seen).toEqual(['p7', 'p6', 'p5', 'p4', 'p3', 'p2', 'p1', 'p0']);
      expect(pages).toBe(3);
      await expect(store.listConversations('alice@example.com', { limit: 3, cursor: 'garbage!' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    });

    it('moves a conversation to the top when a message arrives', async () => {
      await store.createConversation(conv('old', 'alice@example.com', '2026-01-01T00:00:00.000Z'));
      await store.createConversation(conv('new', 'alice@example.com', '2026-01-02T00:00:00.000Z'));
      await store.appendMessages('old', [msg('o1', 'old', 'user', 'back again', '2026-01-03T00:00:00.000Z')]);
      expect((await store.listConversations('alice@example.com', { limit: 10 })).items.map((c) => c.id)).toEqual(['old', 'new']);
    });

    it('finds a word from the middle of an old answer, ranks a title match first, and gives a short snippet', async () => {
      const filler = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
      await store.createConversation(conv('answer', 'alice@example.com', '2025-01-01T00:00:00.000Z'));
      await store.appendMessages('answer', [
        msg('a1', 'answer', 'user', 'tell me something', '2025-01-01T00:00:01.000Z'),
        msg('a2', 'answer', 'assistant', `${filler} the platypus lays eggs ${filler}`, '2025-01-01T00:00:02.000Z'),
      ]);
      await store.createConversation(conv('titled', 'alice@example.com', '2025-02-01T00:00:00.000Z', { title: 'Platypus facts' }));
      await store.createConversation(conv('other', 'bob@example.com', '2025-02-01T00:00:00.000Z', { title: 'platypus for bob' }));
      await store.createConversation(conv('tool', 'alice@example.com', '2025-02-01T00:00:00.000Z'));
      await store.appendMessages('tool', [msg('t1', 'tool', 'tool', 'platypus rows from a table', '2025-02-01T00:00:01.000Z', { toolCallId: 'x', toolName: 'sql_query' })]);

      const hits = await store.searchConversations('alice@example.com', 'PLATYPUS', { limit: 10 });
      expect(hits.map((h) => h.conversation.id)).toEqual(['titled', 'answer']);
      expect(hits[0]!.rank).toBeGreaterThan(hits[1]!.rank);
      const snippet = hits[1]!.snippet;
      expect(snippet).toContain('platypus lays eggs');
      expect(snippet.startsWith('…')).toBe(true);
      expect(snippet.length).toBeLessThan(160);
      expect(await store.searchConversations('alice@example.com', 'platypus eggs', { limit: 10 })).toHaveLength(1);
      expect(await store.searchConversations('alice@example.com', '" OR * NEAR(', { limit: 10 })).toEqual([]);
      expect(await store.searchConversations('carol@example.com', 'platypus', { limit: 10 })).toEqual([]);
    });

    it('renames (and the new title is what search finds), and deletes for good', async () => {
      await store.createConversation(conv('r', 'alice@example.com', '2026-01-01T00:00:00.000Z', { title: 'zebra' }));
      await store.appendMessages('r', [msg('r1', 'r', 'user', 'stripes', '2026-01-01T00:00:01.000Z')]);
      await store.saveFeedback({ conversationId: 'r', messageId: 'r1', user: 'alice@example.com', rating: 'good', at: '2026-01-01T00:00:02Z' });
      expect(await store.updateConversation('r', 'alice@example.com', { title: 'okapi', locked: true, tools: ['a'] })).toBe(true);
      expect(await store.getConversation('r', 'alice@example.com')).toMatchObject({ title: 'okapi', locked: true, tools: ['a'] });
      expect(await store.searchConversations('alice@example.com', 'zebra', { limit: 5 })).toEqual([]);
      expect(await store.searchConversations('alice@example.com', 'okapi', { limit: 5 })).toHaveLength(1);
      expect(await store.deleteConversation('r', 'alice@example.com')).toBe(true);
      expect(await store.getConversation('r', 'alice@example.com')).toBeUndefined();
      expect(await store.getMessages('r', 'alice@example.com')).toEqual([]);
      expect(await store.searchConversations('alice@example.com', 'stripes', { limit: 5 })).toEqual([]);
      expect(await store.deleteConversation('r', 'alice@example.com')).toBe(false);
      // The id is free again: nothing of the old conversation lingers.
      await store.createConversation(conv('r', 'alice@example.com', '2026-01-05T00:00:00.000Z'));
      expect((await store.getConversation('r', 'alice@example.com'))?.messageCount).toBe(0);
    });

    it('replaces a partial answer by its final version under the same id, keeping its place', async () => {
      await store.createConversation(conv('s', 'alice@example.com', '2026-01-01T00:00:00.000Z'));
      await store.appendMessages('s', [msg('u1', 's', 'user', 'count', '2026-01-01T00:00:01.000Z')]);
      await store.upsertMessage(msg('a1', 's', 'assistant', 'one two', '2026-01-01T00:00:02.000Z', { incomplete: true, model: 'demo' }));
      const final = msg('a1', 's', 'assistant', 'one two three', '2026-01-01T00:00:02.000Z', {
        model: 'demo', finishReason: 'stop', toolCalls: [{ id: 'call1', name: 'basic_math', arguments: '{"x":1}' }],
        usage: { promptTokens: 10, completionTokens: 3, totalTokens: 13, estimated: true }, timings: { firstTokenMs: 12, durationMs: 80 },
      });
      await store.upsertMessage(final);
      await store.appendMessages('s', [msg('t1', 's', 'tool', '2', '2026-01-01T00:00:03.000Z', { toolCallId: 'call1', toolName: 'basic_math', toolArgs: { x: 1 }, toolUi: { kind: 'table' } })]);
      const messages = await store.getMessages('s', 'alice@example.com');
      expect(messages.map((m) => [m.id, m.seq])).toEqual([['u1', 1], ['a1', 2], ['t1', 3]]);
      expect(messages[1]).toEqual({ ...final, seq: 2 });
      expect(messages[1]!.incomplete).toBeUndefined();
      expect(messages[2]).toMatchObject({ toolArgs: { x: 1 }, toolUi: { kind: 'table' } });
      expect((await store.getConversation('s', 'alice@example.com'))?.messageCount).toBe(3);
      await expect(store.upsertMessage(msg('m', 'nope', 'user', 'x', '2026-01-01T00:00:00Z'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('sums usage per user, tenant, model and month', async () => {
      const use = (user: string, model: string, at: string, p: number, c: number, estimated = false) =>
        store.recordUsage({ user, tenant: 'acme', model, at: new Date(at), promptTokens: p, completionTokens: c, estimated });
      await use('Alice@example.com', 'demo', '2026-03-01T00:00:00Z', 10, 5);
      await use('alice@example.com', 'demo', '2026-03-31T23:59:59Z', 20, 7, true);
      await use('alice@example.com', 'gpt', '2026-03-15T00:00:00Z', 1, 1);
      await use('alice@example.com', 'demo', '2026-04-01T00:00:00Z', 100, 100);
      await use('bob@example.com', 'demo', '2026-03-02T00:00:00Z', 3, 3);
      expect(await store.usageFor('alice@example.com', '2026-03')).toEqual([
        { user: 'alice@example.com', tenant: 'acme', model: 'demo', month: '2026-03', requests: 2, promptTokens: 30, completionTokens: 12, estimatedCalls: 1 },
        { user: 'alice@example.com', tenant: 'acme', model: 'gpt', month: '2026-03', requests: 1, promptTokens: 1, completionTokens: 1, estimatedCalls: 0 },
      ]);
      expect((await store.usageAll('2026-03')).map((r) => `${r.user}/${r.model}`)).toEqual(['alice@example.com/demo', 'alice@example.com/gpt', 'bob@example.com/demo']);
      expect(await store.usageFor('alice@example.com', '2026-05')).toEqual([]);
    });

    describe('attachments', () => {
      const file = (id: string, conversationId: string, owner: string, extra: Partial<StoredAttachment> = {}): StoredAttachment => ({
        id, conversationId, owner, name: `${id}.txt`, mime: 'text/plain', kind: 'text', size: 5, text: 'hello', data: Buffer.from('hello'),
        createdAt: '2026-03-01T00:00:00.000Z', ...extra,
      });

      it('keeps files with their conversation, bytes and text intact, oldest first', async () => {
        await store.createConversation(conv('a1', 'Alice@Example.com', '2026-03-01T00:00:00.000Z'));
        const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 255]);
        await store.saveAttachment(file('f1', 'a1', 'alice@example.com'));
        await store.saveAttachment(file('f2', 'a1', 'ALICE@example.com', { name: 'p.png', mime: 'image/png', kind: 'image', size: png.length, text: undefined, data: png }));
        const all = await store.getAttachments('a1', 'alice@example.com');
        expect(all.map((a) => a.id)).toEqual(['f1', 'f2']);
        expect(all[0]).toMatchObject({ conversationId: 'a1', owner: 'alice@example.com', name: 'f1.txt', kind: 'text', size: 5, text: 'hello' });
        expect(all[0]!.data.toString()).toBe('hello');
        expect(all[1]!.text).toBeUndefined();
        expect(Buffer.compare(all[1]!.data, png)).toBe(0);
        // A Buffer, as every caller reads it (a store on another thread must give one back, not a bare Uint8Array).
        expect(Buffer.isBuffer(all[1]!.data)).toBe(true);
        expect((await store.getAttachments('a1', 'alice@example.com', ['f2'])).map((a) => a.id)).toEqual(['f2']);
        expect(await store.getAttachments('a1', 'alice@example.com', [])).toEqual([]);
      });

      it("never shows one person's files to another, and refuses files for their conversations", async () => {
        await store.createConversation(conv('a2', 'alice@example.com', '2026-03-01T00:00:00.000Z'));
        await store.saveAttachment(file('secret', 'a2', 'alice@example.com'));
        expect(await store.getAttachments('a2', 'bob@example.com')).toEqual([]);
        expect(await store.getAttachments('a2', 'bob@example.com', ['secret'])).toEqual([]);
        await expect(store.saveAttachment(file('intruder', 'a2', 'bob@example.com'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
        await expect(store.saveAttachment(file('nowhere', 'missing', 'alice@example.com'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
        // An id of another conversation is not found through this one.
        await store.createConversation(conv('a3', 'alice@example.com', '2026-03-02T00:00:00.000Z'));
        expect(await store.getAttachments('a3', 'alice@example.com', ['secret'])).toEqual([]);
      });

      it('deletes files with their conversation, by hand or by retention', async () => {
        await store.createConversation(conv('gone', 'alice@example.com', '2026-01-01T00:00:00.000Z'));
        await store.saveAttachment(file('g1', 'gone', 'alice@example.com'));
        await store.createConversation(conv('aged', 'alice@example.com', '2020-01-01T00:00:00.000Z'));
        await store.saveAttachment(file('g2', 'aged', 'alice@example.com'));
        expect(await store.deleteConversation('gone', 'alice@example.com')).toBe(true);
        expect(await store.deleteConversationsOlderThan(new Date('2021-01-01T00:00:00.000Z'))).toBe(1);
        // Recreated under the same ids: nothing of the old files survived.
        await store.createConversation(conv('gone', 'alice@example.com', '2026-01-01T00:00:00.000Z'));
        await store.createConversation(conv('aged', 'alice@example.com', '2026-01-01T00:00:00.000Z'));
        expect(await store.getAttachments('gone', 'alice@example.com')).toEqual([]);
        expect(await store.getAttachments('aged', 'alice@example.com')).toEqual([]);
        await store.saveAttachment(file('g1', 'gone', 'alice@example.com'));
      });

      it('keeps the attachment list of a user message', async () => {
        await store.createConversation(conv('a4', 'alice@example.com', '2026-03-01T00:00:00.000Z'));
        const refs = [{ id: 'f9', name: 'notes.md', mime: 'text/markdown', kind: 'text' as const, size: 12 }];
        await store.appendMessages('a4', [msg('u1', 'a4', 'user', 'see file', '2026-03-01T00:00:01.000Z', { attachments: refs })]);
        expect((await store.getMessages('a4', 'alice@example.com'))[0]?.attachments).toEqual(refs);
      });
    });

    describe('budgets', () => {
      const now = new Date('2026-06-10T12:00:00Z');
      const reserve = (over: Partial<Parameters<Store['reserveBudget']>[0]> = {}) =>
        store.reserveBudget({ tenant: 'acme', month: '2026-06', requests: 1, promptTokens: 100, completionTokens: 50, limits: {}, ttlMs: 60_000, now, ...over });

      it('lets exactly as many concurrent reserves through as there is room for', async () => {
        const results = await Promise.all(Array.from({ length: 20 }, () => reserve({ limits: { promptTokens: 300 } })));
        expect(results.filter((r) => r.ok)).toHaveLength(3);
        const refused = results.find((r) => !r.ok);
        expect(refused).toEqual({ ok: false, exceeded: 'promptTokens', used: { requests: 3, promptTokens: 300, completionTokens: 150 } });
        expect(await store.budgetUsed('acme', '2026-06', now)).toEqual({ requests: 3, promptTokens: 300, completionTokens: 150 });
      });

      it('enforces each limit exactly: at the limit passes, one over is refused', async () => {
        for (const [dimension, limits] of [
          ['requests', { requests: 2 }],
          ['promptTokens', { promptTokens: 200 }],
          ['completionTokens', { completionTokens: 100 }],
        ] as const) {
          const tenant = `t-${dimension}`;
          expect((await reserve({ tenant, limits })).ok).toBe(true);
          expect((await reserve({ tenant, limits })).ok).toBe(true);
          expect(await reserve({ tenant, limits })).toMatchObject({ ok: false, exceeded: dimension });
        }
      });

      it('frees the unused part on settle, and a second settle changes nothing', async () => {
        const r = await reserve();
        if (!r.ok) throw new Error('reserve refused');
        // The month's totals after settling come back with it (no second trip for warn_at).
        expect(await store.settleBudget(r.reservationId, { promptTokens: 40, completionTokens: 10 }, now)).toEqual({ requests: 1, promptTokens: 40, completionTokens: 10 });
        expect(await store.settleBudget(r.reservationId, { promptTokens: 40, completionTokens: 10 }, now)).toBeUndefined();
        expect(await store.budgetUsed('acme', '2026-06', now)).toEqual({ requests: 1, promptTokens: 40, completionTokens: 10 });
        expect((await reserve({ limits: { promptTokens: 140 } })).ok).toBe(true);
        expect(await store.budgetUsed('acme', '2026-07', now)).toEqual({ requests: 0, promptTokens: 0, completionTokens: 0 });
      });

      it('stops counting a reservation once it expires', async () => {
        expect((await reserve({ limits: { requests: 1 } })).ok).toBe(true);
        expect((await reserve({ limits: { requests: 1 } })).ok).toBe(false);
        const later = new Date(now.getTime() + 60_001);
        expect(await store.budgetUsed('acme', '2026-06', later)).toEqual({ requests: 0, promptTokens: 0, completionTokens: 0 });
        expect((await reserve({ limits: { requests: 1 }, now: later })).ok).toBe(true);
      });

      it('adds charges to settled spending and reports settled and live reservations apart', async () => {
        const none = { requests: 0, promptTokens: 0, completionTokens: 0 };
        expect(await store.budgetLedgerState('acme', '2026-06', now)).toEqual({ spent: none, held: none });
        await store.addBudgetSpent('acme', '2026-06', { requests: 1, promptTokens: 30, completionTokens: 5 });
        await store.addBudgetSpent('acme', '2026-06', { requests: 2, promptTokens: 70, completionTokens: 15 });
        expect((await reserve({ ttlMs: 1000 })).ok).toBe(true);
        expect((await reserve({ ttlMs: 5000 })).ok).toBe(true);
        expect(await store.budgetLedgerState('acme', '2026-06', now)).toEqual({
          spent: { requests: 3, promptTokens: 100, completionTokens: 20 },
          held: { requests: 2, promptTokens: 200, completionTokens: 100 },
          heldUntil: new Date(now.getTime() + 5000),
        });
        expect(await store.budgetUsed('acme', '2026-06', now)).toEqual({ requests: 5, promptTokens: 300, completionTokens: 120 });
        const later = new Date(now.getTime() + 5000);
        expect(await store.budgetLedgerState('acme', '2026-06', later)).toEqual({ spent: { requests: 3, promptTokens: 100, completionTokens: 20 }, held: none });
      });
    });

    it('deletes conversations idle since before the cutoff, with their messages', async () => {
      await store.createConversation(conv('ancient', 'alice@example.com', '2020-01-01T00:00:00.000Z'));
      await store.appendMessages('ancient', [msg('x1', 'ancient', 'user', 'fossil', '2020-01-01T00:00:01.000Z')]);
      await store.createConversation(conv('revived', 'alice@example.com', '2020-01-01T00:00:00.000Z'));
      await store.appendMessages('revived', [msg('y1', 'revived', 'user', 'fresh', '2026-01-01T00:00:00.000Z')]);
      expect(await store.deleteConversationsOlderThan(new Date('2025-01-01T00:00:00Z'))).toBe(1);
      expect((await store.listConversations('alice@example.com', { limit: 10 })).items.map((c) => c.id)).toEqual(['revived']);
      expect(await store.searchConversations('alice@example.com', 'fossil', { limit: 5 })).toEqual([]);
    });
  });
}

import { afterEach, describe, expect, it } from 'vitest';
import type { NewConversation, Store, StoredMessage } from '../../server/store/store.js';

/**
 * How every Store indexes a streaming answer for search (issue "chats that last"): partial saves
 * leave the index alone, the final save indexes the final text, and reopening the store after a
 * crash (the first store is never closed, never given the final save) indexes what was left.
 * `open` gives a fresh, empty store and a way to open another one on the same database.
 */
export function partialIndexContract(name: string, open: () => Promise<{ store: Store; reopen: () => Promise<Store> }>): void {
  describe(`Store contract, partial answers and search: ${name}`, () => {
    const opened: Store[] = [];
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
    });
    async function fresh() {
      const { store, reopen } = await open();
      opened.push(store);
      return { store, reopen: async () => { const again = await reopen(); opened.push(again); return again; } };
    }

    const owner = 'alice@example.com';
    const conv = (id: string): NewConversation => ({ id, owner, tenant: 'acme', title: '', model: 'demo', tools: [], dataSources: [], locked: false, createdAt: '2026-01-01T00:00:00.000Z' });
    const answer = (id: string, conversationId: string, text: string, extra: Partial<StoredMessage> = {}): StoredMessage => ({
      id, conversationId, role: 'assistant', text, createdAt: '2026-01-01T00:00:02.000Z', model: 'demo', incomplete: true, ...extra,
    });
    const found = async (store: Store, q: string) => (await store.searchConversations(owner, q, { limit: 10 })).map((h) => h.conversation.id);

    it('leaves the index alone on partial saves and indexes the final text', async () => {
      const { store } = await fresh();
      await store.createConversation(conv('s'));
      await store.appendMessages('s', [{ id: 'u1', conversationId: 's', role: 'user', text: 'tell me about birds', createdAt: '2026-01-01T00:00:01.000Z' }]);
      await store.upsertMessage(answer('a1', 's', ''), { partial: true });
      await store.upsertMessage(answer('a1', 's', 'the heron waits'), { partial: true });
      await store.upsertMessage(answer('a1', 's', 'the heron waits by the pond'), { partial: true });
      // Saved (a reader of the chat sees it), not yet searchable: the text is still growing.
      expect((await store.getMessages('s', owner)).at(-1)?.text).toBe('the heron waits by the pond');
      expect(await found(store, 'heron')).toEqual([]);
      await store.upsertMessage(answer('a1', 's', 'the egret waits by the pond', { incomplete: false, finishReason: 'stop' }));
      expect(await found(store, 'egret pond')).toEqual(['s']);
      // Only the final text is in the index: a word the answer lost on the way is not found.
      expect(await found(store, 'heron')).toEqual([]);
      expect(await found(store, 'birds')).toEqual(['s']);
    });

    it('indexes a partial answer left by a crash when the store opens again, and keeps it incomplete', async () => {
      const { store, reopen } = await fresh();
      await store.createConversation(conv('k'));
      await store.upsertMessage(answer('a1', 'k', ''), { partial: true });
      await store.upsertMessage(answer('a1', 'k', 'a kestrel hovers'), { partial: true });
      await store.createConversation(conv('done'));
      await store.upsertMessage(answer('a2', 'done', 'finished falcon', { incomplete: false }));
      expect(await found(store, 'kestrel')).toEqual([]);
      // The mark is never a word anyone finds.
      expect(await found(store, 'partial')).toEqual([]);
      const after = await reopen();
      expect(await found(after, 'kestrel')).toEqual(['k']);
      expect(await found(after, 'falcon')).toEqual(['done']);
      expect((await after.getMessages('k', owner))[0]).toMatchObject({ text: 'a kestrel hovers', incomplete: true });
      // Once indexed, it stays found through the next openings.
      expect(await found(await reopen(), 'kestrel')).toEqual(['k']);
    });

    it('marks a row again when a partial save follows a full one, so a crash after it loses nothing', async () => {
      const { store, reopen } = await fresh();
      await store.createConversation(conv('r'));
      await store.upsertMessage(answer('a1', 'r', 'first words'));
      await store.upsertMessage(answer('a1', 'r', 'first words then a plover'), { partial: true });
      expect(await found(await reopen(), 'plover')).toEqual(['r']);
    });
  });
}

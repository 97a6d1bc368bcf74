import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewConversation, Store, StoredAttachment } from '../../server/store/store.js';

/**
 * The per-person attachment quota and single-file reads, as every Store must behave (beside
 * store-contract.ts, which it would push past 300 lines). Called with a factory of fresh stores.
 */
export function attachmentQuotaContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store contract: ${name}: attachment quota and downloads`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => store.close());

    const conv = (id: string, owner: string): NewConversation => ({
      id, owner, tenant: 'acme', title: `Chat ${id}`, model: 'demo', tools: [], dataSources: [], locked: false, createdAt: '2026-03-01T00:00:00.000Z',
    });
    const file = (id: string, conversationId: string, owner: string, size: number): StoredAttachment => ({
      id, conversationId, owner, name: `${id}.txt`, mime: 'text/plain', kind: 'text', size, text: 'x'.repeat(size), data: Buffer.alloc(size, 'x'), createdAt: '2026-03-01T00:00:00.000Z',
    });
    const idsOf = async (conversationId: string, owner: string) => (await store.getAttachments(conversationId, owner)).map((a) => a.id);

    it('stores files up to the quota exactly, refuses the one that would pass it, and keeps everything already stored', async () => {
      await store.createConversation(conv('q1', 'alice@example.com'));
      await store.createConversation(conv('q2', 'alice@example.com'));
      expect(await store.attachmentBytesUsed('alice@example.com')).toBe(0);
      expect(await store.saveAttachment(file('a', 'q1', 'alice@example.com', 40), 100)).toEqual({ ok: true, usedBytes: 40 });
      // The quota is the person's, over all their chats; e-mails compare case-insensitively.
      expect(await store.saveAttachment(file('b', 'q2', 'Alice@Example.com', 60), 100)).toEqual({ ok: true, usedBytes: 100 });
      expect(await store.saveAttachment(file('c', 'q2', 'alice@example.com', 1), 100)).toEqual({ ok: false, usedBytes: 100 });
      expect(await idsOf('q1', 'alice@example.com')).toEqual(['a']);
      expect(await idsOf('q2', 'alice@example.com')).toEqual(['b']);
      expect(await store.attachmentBytesUsed('ALICE@example.com')).toBe(100);
      // Without a quota, nothing is checked (scripts, imports).
      expect(await store.saveAttachment(file('d', 'q2', 'alice@example.com', 7))).toEqual({ ok: true, usedBytes: 107 });
    });

    it("counts only the person's own files, and frees their space when a chat is deleted", async () => {
      await store.createConversation(conv('mine', 'alice@example.com'));
      await store.createConversation(conv('other', 'alice@example.com'));
      await store.createConversation(conv('bobs', 'bob@example.com'));
      expect((await store.saveAttachment(file('big', 'bobs', 'bob@example.com', 90), 100)).ok).toBe(true);
      expect((await store.saveAttachment(file('m1', 'mine', 'alice@example.com', 70), 100)).ok).toBe(true);
      expect((await store.saveAttachment(file('o1', 'other', 'alice@example.com', 20), 100)).ok).toBe(true);
      expect(await store.saveAttachment(file('m2', 'other', 'alice@example.com', 20), 100)).toEqual({ ok: false, usedBytes: 90 });
      expect(await store.deleteConversation('mine', 'alice@example.com')).toBe(true);
      expect(await store.attachmentBytesUsed('alice@example.com')).toBe(20);
      expect(await store.saveAttachment(file('m2', 'other', 'alice@example.com', 20), 100)).toEqual({ ok: true, usedBytes: 40 });
      expect(await store.attachmentBytesUsed('bob@example.com')).toBe(90);
    });

    it('never lets concurrent uploads of one person pass the quota together', async () => {
      await store.createConversation(conv('race', 'carol@example.com'));
      await store.createConversation(conv('race2', 'carol@example.com'));
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => store.saveAttachment(file(`r${i}`, i % 2 ? 'race' : 'race2', 'carol@example.com', 10), 45)),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(4);
      expect(results.filter((r) => !r.ok).every((r) => r.usedBytes === 40)).toBe(true);
      expect(await store.attachmentBytesUsed('carol@example.com')).toBe(40);
      expect((await idsOf('race', 'carol@example.com')).length + (await idsOf('race2', 'carol@example.com')).length).toBe(4);
    });

    it("reads one file by id for its owner only: another person's id reads like an unknown one", async () => {
      await store.createConversation(conv('d1', 'Alice@Example.com'));
      const bytes = Buffer.from([0x3c, 0x73, 0x76, 0x67, 0, 255]);
      await store.saveAttachment({ ...file('doc', 'd1', 'alice@example.com', bytes.length), name: 'pic.svg', text: undefined, data: bytes });
      const found = await store.getAttachment('doc', 'ALICE@example.com');
      expect(found).toMatchObject({ id: 'doc', conversationId: 'd1', owner: 'alice@example.com', name: 'pic.svg', mime: 'text/plain', size: 6 });
      expect(Buffer.isBuffer(found!.data)).toBe(true);
      expect(Buffer.compare(found!.data, bytes)).toBe(0);
      expect(found!.text).toBeUndefined();
      expect(await store.getAttachment('doc', 'bob@example.com')).toBeUndefined();
      expect(await store.getAttachment('nope', 'alice@example.com')).toBeUndefined();
      await store.deleteConversation('d1', 'alice@example.com');
      expect(await store.getAttachment('doc', 'alice@example.com')).toBeUndefined();
    });
  });
}

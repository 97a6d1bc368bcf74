import { describe, expect, it } from 'vitest';
import { timedStore } from '../../server/metrics/timed-store.js';
import { SqliteStore } from '../../server/store/sqlite-store.js';
import type { Store } from '../../server/store/store.js';

/** Every store write is timed with its operation and outcome; reads are passed through untimed. */

describe('timedStore', () => {
  it('times writes by operation, passes reads through, and keeps the results', async () => {
    const writes: Array<[string, boolean, number]> = [];
    let clock = 0;
    const store = timedStore(SqliteStore.open(':memory:'), { storeWrite: (op, ok, ms) => writes.push([op, ok, ms]) }, () => (clock += 2));
    await store.createConversation({ id: 'c1', owner: 'a@b.example', tenant: 'default', title: '', model: 'demo', tools: [], dataSources: [], locked: false, createdAt: new Date().toISOString() });
    expect(await store.updateConversation('c1', 'a@b.example', { title: 'Hello' })).toBe(true);
    expect((await store.getConversation('c1', 'a@b.example'))?.title).toBe('Hello');
    expect(writes).toEqual([
      ['createConversation', true, 2],
      ['updateConversation', true, 2],
    ]);
    await store.close();
  });

  it('records a failed write as an error and rethrows it', async () => {
    const writes: Array<[string, boolean]> = [];
    const failing = { recordUsage: async () => Promise.reject(new Error('disk I/O error')) } as unknown as Store;
    const store = timedStore(failing, { storeWrite: (op, ok) => writes.push([op, ok]) });
    await expect(store.recordUsage({ user: 'a', tenant: 'default', model: 'demo', at: new Date(), promptTokens: 1, completionTokens: 1, estimated: false })).rejects.toThrow('disk I/O error');
    expect(writes).toEqual([['recordUsage', false]]);
  });
});

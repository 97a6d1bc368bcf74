import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../server/config/env.js';
import { AppError } from '../../server/errors.js';
import { openStore } from '../../server/store/open-store.js';
import { SqliteStore } from '../../server/store/sqlite-store.js';
import { SqliteWorkerStore } from '../../server/store/sqlite-worker-store.js';
import type { NewConversation, StoredMessage } from '../../server/store/store.js';
import { attachmentQuotaContract } from './attachment-quota-contract.js';
import { partialIndexContract } from './partial-index-contract.js';
import { storeContract } from './store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'galaxy-store-worker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshFile = () => join(dir, `db-${++n}`, 'galaxy.db');

storeContract('SQLite on a worker thread', () => SqliteWorkerStore.open(freshFile()));
attachmentQuotaContract('SQLite on a worker thread', () => SqliteWorkerStore.open(freshFile()));
partialIndexContract('SQLite on a worker thread', async () => {
  const file = freshFile();
  return { store: await SqliteWorkerStore.open(file), reopen: () => SqliteWorkerStore.open(file) };
});

const conversation = (id: string): NewConversation => ({
  id, owner: 'alice@example.com', tenant: 'acme', title: `Chat ${id}`, model: 'demo', tools: [], dataSources: [], locked: false, createdAt: '2026-01-01T00:00:00.000Z',
});
const message = (conversationId: string, i: number, extra: Partial<StoredMessage> = {}): StoredMessage => ({
  id: `${conversationId}-${i}`, conversationId, role: 'user', text: `message ${i}`, createdAt: '2026-01-01T00:00:01.000Z', ...extra,
});

describe('SqliteWorkerStore', () => {
  it('carries a call and its answer across threads: Dates, nested JSON and undefined intact', async () => {
    const store = await SqliteWorkerStore.open(freshFile());
    try {
      await store.createConversation(conversation('c'));
      const toolArgs = { nested: { list: [1, 'two', null], flag: true } };
      await store.appendMessages('c', [message('c', 1, { role: 'tool', toolCallId: 't', toolName: 'x', toolArgs })]);
      expect((await store.getMessages('c', 'alice@example.com'))[0]).toMatchObject({ seq: 1, toolArgs });
      expect(await store.getConversation('c', 'bob@example.com')).toBeUndefined();
      // A Date arrives as a Date: the month comes from it in the worker.
      await store.recordUsage({ user: 'alice@example.com', tenant: 'acme', model: 'demo', at: new Date('2026-03-31T23:59:59Z'), promptTokens: 2, completionTokens: 3, estimated: false });
      expect(await store.usageFor('alice@example.com', '2026-03')).toMatchObject([{ requests: 1, promptTokens: 2, completionTokens: 3 }]);
    } finally {
      await store.close();
    }
  });

  it('rejects with the same AppError codes and messages as the synchronous store', async () => {
    const file = freshFile();
    const store = await SqliteWorkerStore.open(file);
    const other = new Database(file);
    try {
      const missing = await store.upsertMessage(message('nope', 1)).catch((err: unknown) => err);
      expect(missing).toBeInstanceOf(AppError);
      expect(missing).toMatchObject({ code: 'NOT_FOUND', httpStatus: 404, message: 'No conversation nope.' });
      await expect(store.listConversations('a@b.co', { limit: 5, cursor: 'garbage!' })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: 'The cursor is not valid.' });
      await store.createConversation(conversation('dup'));
      // A driver error that is not an AppError keeps its name and SQLite code.
      await expect(store.createConversation(conversation('dup'))).rejects.toMatchObject({ name: 'SqliteError', code: 'SQLITE_CONSTRAINT_UNIQUE' });
      other.prepare('BEGIN IMMEDIATE').run();
      await expect(store.recordUsage({ user: 'a@b.co', tenant: 't', model: 'm', at: new Date(), promptTokens: 1, completionTokens: 1, estimated: false })).rejects.toMatchObject({
        code: 'STORE_UNAVAILABLE',
        message: 'The chat history database is unavailable: the database is locked by another process.',
      });
      other.prepare('ROLLBACK').run();
      // Something that cannot cross threads is refused, not thrown synchronously.
      await expect(store.upsertMessage({ ...message('dup', 2), toolUi: () => 1 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      expect(await store.getMessages('dup', 'alice@example.com')).toEqual([]);
    } finally {
      other.close();
      await store.close();
    }
  });

  it('fails to open a corrupt file with the synchronous store\'s STORE_UNAVAILABLE message', async () => {
    const file = join(dir, 'corrupt.db');
    writeFileSync(file, Buffer.from('not a database at all, just some bytes '.repeat(200)));
    const error = await SqliteWorkerStore.open(file).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      code: 'STORE_UNAVAILABLE',
      message: `The chat history database is unavailable (${file}): the file is not a valid database (corrupt?).`,
    });
  });

  it('rejects every pending and later call with STORE_UNAVAILABLE when the worker dies, and says so once', async () => {
    const crashes: AppError[] = [];
    const store = await SqliteWorkerStore.open(':memory:', {
      workerUrl: new URL('./fixtures/exiting-store-worker.mjs', import.meta.url),
      onCrash: (err) => crashes.push(err),
    });
    const first = store.getConversation('a', 'alice@example.com');
    const second = store.listConversations('alice@example.com', { limit: 5 });
    const failure = { code: 'STORE_UNAVAILABLE', message: expect.stringContaining('worker stopped: it exited with code 7') };
    await expect(first).rejects.toMatchObject(failure);
    await expect(second).rejects.toMatchObject(failure);
    await expect(store.usageAll('2026-01')).rejects.toMatchObject(failure);
    expect(crashes).toHaveLength(1);
    expect(crashes[0]!.message).toContain('unavailable until the server restarts');
    await store.close();
  });

  it('close() lets calls already made finish, then refuses new ones; the data is on disk', async () => {
    const file = freshFile();
    const store = await SqliteWorkerStore.open(file);
    await store.createConversation(conversation('d'));
    const writes = Array.from({ length: 50 }, (_, i) => store.appendMessages('d', [message('d', i)]));
    const closed = store.close();
    await expect(Promise.all(writes)).resolves.toHaveLength(50);
    await closed;
    await expect(store.getMessages('d', 'alice@example.com')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', message: 'The chat history database is closed.' });
    await store.close();
    const reopened = SqliteStore.open(file);
    expect((await reopened.getConversation('d', 'alice@example.com'))?.messageCount).toBe(50);
    await reopened.close();
  });

  it('posts a budget charge a moment later, but before any later call, and before closing', async () => {
    const file = freshFile();
    const store = await SqliteWorkerStore.open(file);
    const charge = { requests: 1, promptTokens: 10, completionTokens: 2 };
    const written = store.addBudgetSpent('acme', '2026-06', charge);
    // Not awaited: the read that follows still finds it, because it was posted first.
    expect((await store.budgetLedgerState('acme', '2026-06', new Date())).spent).toEqual(charge);
    await written;
    const unposted = store.addBudgetSpent('acme', '2026-06', charge);
    await store.close();
    await unposted;
    const reopened = SqliteStore.open(file);
    expect((await reopened.budgetLedgerState('acme', '2026-06', new Date())).spent).toEqual({ requests: 2, promptTokens: 20, completionTokens: 4 });
    await reopened.close();
  });

  it('is what openStore gives by default; STORE_WORKER=false keeps the store on the main thread', async () => {
    const log = pino({ level: 'silent' });
    const onWorker = await openStore(parseEnv({ DATABASE_URL: 'sqlite::memory:' }), log);
    const onMain = await openStore(parseEnv({ DATABASE_URL: 'sqlite::memory:', STORE_WORKER: 'false' }), log);
    try {
      expect(onWorker).toBeInstanceOf(SqliteWorkerStore);
      expect(onMain).toBeInstanceOf(SqliteStore);
      expect(await onWorker.usageAll('2026-01')).toEqual([]);
    } finally {
      await Promise.all([onWorker.close(), onMain.close()]);
    }
  });
});

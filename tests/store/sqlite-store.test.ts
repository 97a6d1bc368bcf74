import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../server/errors.js';
import { SQLITE_MIGRATIONS } from '../../server/store/migrations/sqlite/index.js';
import { openStore } from '../../server/store/open-store.js';
import { sqliteFilename } from '../../server/store/sqlite-connection.js';
import { SEARCH_CANDIDATES, snippetOf } from '../../server/store/sqlite-search.js';
import { SqliteStore } from '../../server/store/sqlite-store.js';
import { attachmentQuotaContract } from './attachment-quota-contract.js';
import { partialIndexContract } from './partial-index-contract.js';
import { storeContract } from './store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'galaxy-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshFile = () => join(dir, `db-${++n}`, 'galaxy.db');

storeContract('SQLite file', async () => SqliteStore.open(freshFile()));
attachmentQuotaContract('SQLite file', async () => SqliteStore.open(freshFile()));
partialIndexContract('SQLite file', async () => {
  const file = freshFile();
  // A second connection to the file, the first left open and never finished: a crashed process's database.
  return { store: SqliteStore.open(file), reopen: async () => SqliteStore.open(file) };
});

describe('SQLite store specifics', () => {
  it('creates the directory, uses WAL, and records every migration', async () => {
    const file = freshFile();
    const store = SqliteStore.open(file);
    await store.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all()).toEqual(SQLITE_MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    db.close();
  });

  it('upgrades a database made by the first migration only, keeping its data and indexing it for search', async () => {
    const file = freshFile();
    const old = SqliteStore.open(file, SQLITE_MIGRATIONS.slice(0, 1));
    await old.close();
    // Data written by a server that knew only 0001, straight into its tables.
    const db = new Database(file);
    db.prepare(`INSERT INTO conversations (pk, id, owner, tenant, title, model, created_at, updated_at) VALUES (1, 'legacy', 'alice@example.com', 'acme', 'Old chat', 'demo', '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z')`).run();
    db.prepare(`INSERT INTO messages (id, conversation_pk, seq, role, text, created_at) VALUES ('m1', 1, 1, 'user', 'remember the aardvark', '2025-01-01T00:00:01.000Z')`).run();
    db.close();

    const upgraded = SqliteStore.open(file);
    expect(await upgraded.getConversation('legacy', 'alice@example.com')).toMatchObject({ title: 'Old chat', messageCount: 1 });
    expect((await upgraded.getMessages('legacy', 'alice@example.com'))[0]).toMatchObject({ text: 'remember the aardvark', seq: 1 });
    expect((await upgraded.searchConversations('alice@example.com', 'aardvark', { limit: 5 })).map((h) => h.conversation.id)).toEqual(['legacy']);
    await upgraded.close();
    // Opening again applies nothing twice.
    const again = SqliteStore.open(file);
    await again.close();
  });

  it('refuses a database from a newer server with STORE_UNAVAILABLE', async () => {
    const file = freshFile();
    await SqliteStore.open(file).close();
    const db = new Database(file);
    db.prepare("INSERT INTO schema_migrations VALUES (99, 'future', '2030-01-01')").run();
    db.close();
    expect(() => SqliteStore.open(file)).toThrow(/schema version 99, newer than this server knows/);
  });

  it('answers a corrupt file with STORE_UNAVAILABLE naming the file, not a crash', () => {
    const file = join(dir, 'corrupt.db');
    writeFileSync(file, Buffer.from('this is certainly not an sqlite database file, just garbage bytes'.repeat(100)));
    let error: unknown;
    try {
      SqliteStore.open(file);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('STORE_UNAVAILABLE');
    expect((error as AppError).httpStatus).toBe(503);
    expect((error as AppError).message).toBe(`The chat history database is unavailable (${file}): the file is not a valid database (corrupt?).`);
  });

  it('answers an unusable path with STORE_UNAVAILABLE', () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'x');
    expect(() => SqliteStore.open(join(blocker, 'galaxy.db'))).toThrow(expect.objectContaining({ code: 'STORE_UNAVAILABLE' }));
  });

  it('answers writes on a database locked by another writer with STORE_UNAVAILABLE', async () => {
    const file = freshFile();
    const store = SqliteStore.open(file);
    const other = new Database(file);
    other.prepare('BEGIN IMMEDIATE').run();
    try {
      await expect(store.recordUsage({ user: 'a@b.co', tenant: 't', model: 'm', at: new Date(), promptTokens: 1, completionTokens: 1, estimated: false })).rejects.toMatchObject({
        code: 'STORE_UNAVAILABLE',
        message: 'The chat history database is unavailable: the database is locked by another process.',
      });
    } finally {
      other.prepare('ROLLBACK').run();
      other.close();
    }
    await store.close();
    await expect(store.usageAll('2026-01')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  it('ranks only the newest SEARCH_CANDIDATES matches of a very common word, and every match of a rare one', async () => {
    const store = SqliteStore.open(freshFile());
    const base = { owner: 'alice@example.com', tenant: 't', model: 'demo', tools: [], dataSources: [], locked: false };
    await store.createConversation({ ...base, id: 'old', title: 'first', createdAt: '2025-01-01T00:00:00.000Z' });
    await store.appendMessages('old', [{ id: 'o1', conversationId: 'old', role: 'user', text: 'quokka quokka quokka rarity', createdAt: '2025-01-01T00:00:01.000Z' }]);
    await store.createConversation({ ...base, id: 'new', title: 'second', createdAt: '2025-02-01T00:00:00.000Z' });
    await store.appendMessages('new', Array.from({ length: SEARCH_CANDIDATES }, (_, i) => ({
      id: `n${i}`, conversationId: 'new', role: 'assistant' as const, text: `a long answer about many things, one quokka among them ${i}`, createdAt: '2025-02-01T00:00:01.000Z',
    })));
    expect((await store.searchConversations('alice@example.com', 'quokka', { limit: 10 })).map((h) => h.conversation.id)).toEqual(['new']);
    expect((await store.searchConversations('alice@example.com', 'quokka rarity', { limit: 10 })).map((h) => h.conversation.id)).toEqual(['old']);
    await store.close();
  });

  it('ranks by term frequency and length like bm25: the older chat that is about the word beats a newer passing mention', async () => {
    const store = SqliteStore.open(freshFile());
    const base = { owner: 'alice@example.com', tenant: 't', model: 'demo', tools: [], dataSources: [], locked: false };
    const filler = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');
    await store.createConversation({ ...base, id: 'about', title: 'first', createdAt: '2025-01-01T00:00:00.000Z' });
    await store.appendMessages('about', [{ id: 'a1', conversationId: 'about', role: 'assistant', text: 'wombat burrows: a wombat digs, the wombat sleeps', createdAt: '2025-01-01T00:00:01.000Z' }]);
    await store.createConversation({ ...base, id: 'passing', title: 'second', createdAt: '2025-02-01T00:00:00.000Z' });
    await store.appendMessages('passing', [{ id: 'p1', conversationId: 'passing', role: 'assistant', text: `${filler} wombat ${filler}`, createdAt: '2025-02-01T00:00:01.000Z' }]);
    const hits = await store.searchConversations('alice@example.com', 'wombat', { limit: 10 });
    expect(hits.map((h) => h.conversation.id)).toEqual(['about', 'passing']);
    expect(hits[0]!.rank).toBeGreaterThan(hits[1]!.rank);
    await store.close();
  });

  it('cuts a snippet of about 12 words around the first matching word, accents and case folded', () => {
    const words = Array.from({ length: 30 }, (_, i) => `w${i}`);
    words[15] = 'Café,';
    expect(snippetOf(words.join(' '), ['cafe'])).toBe('…w11 w12 w13 w14 Café, w16 w17 w18 w19 w20 w21 w22…');
    expect(snippetOf('short café text', ['CAFE'])).toBe('short café text');
    expect(snippetOf('no match here', ['zzz'])).toBe('no match here');
  });

  it('reads DATABASE_URL forms', async () => {
    expect(sqliteFilename('sqlite:data/galaxy.db')).toBe('data/galaxy.db');
    expect(sqliteFilename('sqlite:///var/lib/galaxy.db')).toBe('/var/lib/galaxy.db');
    expect(sqliteFilename('sqlite::memory:')).toBe(':memory:');
    expect(() => sqliteFilename('postgres://x')).toThrow(AppError);
    const store = await openStore({ DATABASE_URL: 'sqlite::memory:', STORE_WORKER: false }, pino({ level: 'silent' }));
    expect(await store.usageAll('2026-01')).toEqual([]);
    await store.close();
  });
});

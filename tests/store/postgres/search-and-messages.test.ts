import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../../server/store/postgres/postgres-store.js';
import { indexedText, ownerLexeme, SEARCH_CANDIDATES } from '../../../server/store/postgres/search.js';
import type { NewConversation, StoredMessage } from '../../../server/store/store.js';
import { describeWithPostgres, startPostgres, type TestPostgres } from '../../support/postgres.js';

const settings = { max: 10, connectTimeoutMs: 5000 };
const conv = (id: string, title = `Chat ${id}`, createdAt = '2025-01-01T00:00:00.000Z'): NewConversation => ({
  id, owner: 'alice@example.com', tenant: 't', title, model: 'demo', tools: [], dataSources: [], locked: false, createdAt,
});
const msg = (id: string, conversationId: string, text: string, extra: Partial<StoredMessage> = {}): StoredMessage => ({
  id, conversationId, role: 'assistant', text, createdAt: '2025-01-01T00:00:01.000Z', ...extra,
});

describe('PostgreSQL search text', () => {
  it('gives each owner one opaque lexeme, the same for any spelling of the e-mail', () => {
    expect(ownerLexeme('Alice@Example.com')).toBe(ownerLexeme('alice@example.com'));
    expect(ownerLexeme('alice@example.com')).not.toBe(ownerLexeme('bob@example.com'));
    expect(ownerLexeme('alice@example.com')).toMatch(/^o[0-9a-f]{24}$/);
  });

  it('indexes words folded and split like the SQLite tokenizer, the owner first', () => {
    expect(indexedText('a@b.co', 'Déjà vu: the CAFÉ, e-mail x@y.z 42!')).toBe(`${ownerLexeme('a@b.co')} deja vu the cafe e mail x y z 42`);
  });
});

describeWithPostgres('PostgreSQL store specifics', () => {
  let server: TestPostgres;
  let store: PostgresStore;
  beforeAll(async () => {
    server = await startPostgres();
    store = await PostgresStore.open(server.url, settings);
  });
  afterAll(async () => {
    await store?.close();
    await server?.stop();
  });

  it('reads tenant memberships through the pool inside a read-only transaction', async () => {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    try {
      await admin.query(`CREATE TABLE auth_users (id INT PRIMARY KEY, email TEXT); CREATE TABLE auth_user_tenants (user_id INT, tenant_id TEXT);
        INSERT INTO auth_users VALUES (1, 'Ann@Corp.example'); INSERT INTO auth_user_tenants VALUES (1, 'google'), (1, 'microsoft');`);
      const rows = await store.queryMemberships('SELECT u.email AS email, t.tenant_id AS tenant FROM auth_users u JOIN auth_user_tenants t ON t.user_id = u.id ORDER BY tenant');
      expect(rows).toEqual([{ email: 'ann@corp.example', tenant: 'google' }, { email: 'ann@corp.example', tenant: 'microsoft' }]);
      await expect(store.queryMemberships("INSERT INTO auth_users VALUES (2, 'x@y.z')")).rejects.toThrow(/read-only SELECT/);
      expect((await admin.query('SELECT count(*)::int AS n FROM auth_users')).rows[0].n).toBe(1);
    } finally {
      await admin.end();
    }
  });

  it('finds words without regard to accents or case, whole words only (no stemming)', async () => {
    await store.createConversation(conv('accents'));
    await store.appendMessages('accents', [msg('ac1', 'accents', 'Un Café crème à Zürich, près des lacs')]);
    const ids = async (q: string) => (await store.searchConversations('alice@example.com', q, { limit: 5 })).map((h) => h.conversation.id);
    expect(await ids('cafe creme')).toEqual(['accents']);
    expect(await ids('ZURICH')).toEqual(['accents']);
    expect(await ids('lac')).toEqual([]);
    const [hit] = await store.searchConversations('alice@example.com', 'zurich', { limit: 5 });
    expect(hit!.snippet).toBe('Un Café crème à Zürich, près des lacs');
  });

  it('ranks only the newest SEARCH_CANDIDATES matches of a very common word, and every match of a rare one', async () => {
    await store.createConversation(conv('old', 'first'));
    await store.appendMessages('old', [msg('o1', 'old', 'quokka quokka quokka rarity')]);
    await store.createConversation(conv('new', 'second', '2025-02-01T00:00:00.000Z'));
    await store.appendMessages('new', Array.from({ length: SEARCH_CANDIDATES }, (_, i) => msg(`n${i}`, 'new', `a long answer about many things, one quokka among them ${i}`)));
    expect((await store.searchConversations('alice@example.com', 'quokka', { limit: 10 })).map((h) => h.conversation.id)).toEqual(['new']);
    expect((await store.searchConversations('alice@example.com', 'quokka rarity', { limit: 10 })).map((h) => h.conversation.id)).toEqual(['old']);
  });

  it('uses the GIN index for a search', async () => {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      await client.query('SET enable_seqscan = off');
      const plan = (await client.query("EXPLAIN SELECT pk FROM messages WHERE body_search @@ plainto_tsquery('simple', 'quokka')")).rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).toContain('messages_body_search');
    } finally {
      await client.end();
    }
  });

  it('numbers messages without gaps or repeats when two instances append to one conversation at once', async () => {
    const other = await PostgresStore.open(server.url, settings);
    try {
      await store.createConversation(conv('busy'));
      await Promise.all(Array.from({ length: 20 }, (_, i) => [store, other][i % 2]!.appendMessages('busy', [msg(`b${i}`, 'busy', `line ${i}`)])));
      const seqs = (await other.getMessages('busy', 'alice@example.com')).map((m) => m.seq);
      expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    } finally {
      await other.close();
    }
  });

  it('writes a batch all or nothing', async () => {
    await store.createConversation(conv('atomic'));
    await expect(store.appendMessages('atomic', [msg('ok1', 'atomic', 'fine'), msg('bad', 'atomic', 'fine', { role: 'system' as StoredMessage['role'] })])).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await store.getMessages('atomic', 'alice@example.com')).toEqual([]);
  });

  it('refuses bad input with clear errors', async () => {
    await expect(store.createConversation({ ...conv('when'), createdAt: 'yesterday' })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: 'createdAt is not a valid time: "yesterday"' });
    await store.createConversation(conv('dup'));
    await expect(store.createConversation(conv('dup'))).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('already exists') });
    await expect(store.appendMessages('dup', [msg('nul', 'dup', 'a\u0000b')])).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('refused the data') });
    await expect(store.appendMessages('dup', [msg('x', 'elsewhere', 'x')])).rejects.toMatchObject({ code: 'BAD_REQUEST', message: 'Message x belongs to another conversation.' });
    await expect(store.listConversations('alice@example.com', { limit: 5, cursor: Buffer.from('["not a time","x"]').toString('base64url') })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('splits a retention sweep between two instances running it at once', async () => {
    const other = await PostgresStore.open(server.url, settings);
    try {
      for (let i = 0; i < 120; i++) await store.createConversation(conv(`gone${i}`, 'old', '2019-01-01T00:00:00.000Z'));
      const counts = await Promise.all([store, other].map((s) => s.deleteConversationsOlderThan(new Date('2020-01-01T00:00:00Z'))));
      expect(counts[0]! + counts[1]!).toBe(120);
      expect(await store.deleteConversationsOlderThan(new Date('2020-01-01T00:00:00Z'))).toBe(0);
    } finally {
      await other.close();
    }
  });
});

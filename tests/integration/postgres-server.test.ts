import { afterAll, beforeAll, expect, it } from 'vitest';
import { PostgresStore } from '../../server/store/postgres/postgres-store.js';
import { answerChunks } from '../support/chunks.js';
import { startGalaxy, type Galaxy } from '../support/galaxy.js';
import { describeWithPostgres, startPostgres, type TestPostgres } from '../support/postgres.js';

/** The real server on the PostgreSQL store: a chat sent over the WebSocket is history, also after a restart. */
describeWithPostgres('Galaxy on PostgreSQL', () => {
  let database: TestPostgres;
  const started: Galaxy[] = [];
  beforeAll(async () => {
    database = await startPostgres();
  });
  afterAll(async () => {
    for (const g of started) await g.close().catch(() => undefined);
    await database?.stop();
  });

  const galaxy = async () => {
    const g = await startGalaxy({ env: { DATABASE_URL: database.url, DATABASE_POOL_MAX: '4' } });
    started.push(g);
    return g;
  };
  const json = async (g: Galaxy, path: string) => {
    const res = await g.get(path, { 'X-EMAIL-USER': 'alice@example.com' });
    return { status: res.status, body: JSON.parse(res.text) };
  };

  it('lists a chat sent over the WebSocket in GET /api/conversations, searchable, and still there after a restart', async () => {
    const a = await galaxy();
    expect(a.server.ctx.store).toBeInstanceOf(PostgresStore);
    const { client, ready } = await a.open();
    const id = ready.session.id as string;
    a.upstream.enqueue({ steps: answerChunks('Narwhals keep their tusks all winter.', { promptTokens: 9 }).map((chunk) => ({ chunk })) });
    client.send({ type: 'send', text: 'Tell me about narwhals' });
    await client.next('message-end');
    client.close();

    const list = await json(a, '/api/conversations');
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({ id, owner: 'alice@example.com', title: 'Tell me about narwhals', messageCount: 2 });
    const found = await json(a, '/api/conversations?q=tusks');
    expect(found.body.items.map((c: { id: string }) => c.id)).toEqual([id]);
    expect(found.body.items[0].snippet).toContain('tusks');
    const usage = await json(a, '/api/usage');
    expect(usage.body.rows.find((r: { model: string }) => r.model === 'fake')).toMatchObject({ requests: 1 });
    await a.stop();

    // A fresh instance (own folder) on the same database sees the same history.
    const b = await galaxy();
    expect((await json(b, '/api/conversations')).body.items.map((c: { id: string }) => c.id)).toEqual([id]);
    const stored = await json(b, `/api/conversations/${id}`);
    expect(stored.body.messages.map((m: { role: string; text: string }) => [m.role, m.text])).toEqual([
      ['user', 'Tell me about narwhals'],
      ['assistant', 'Narwhals keep their tusks all winter.'],
    ]);
  });
});

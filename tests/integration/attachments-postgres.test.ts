import { afterAll, beforeAll, expect, it } from 'vitest';
import { startGalaxy, type Galaxy } from '../support/galaxy.js';
import { describeWithPostgres, startPostgres, type TestPostgres } from '../support/postgres.js';

/**
 * The attachment quota across instances: two servers on one PostgreSQL database take one person's
 * uploads at the same time, and together they still stop at the quota (the advisory lock is the
 * database's, not a process's).
 */
describeWithPostgres('attachment quota on PostgreSQL', () => {
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
    const g = await startGalaxy({ env: { DATABASE_URL: database.url, DATABASE_POOL_MAX: '4', ATTACHMENT_QUOTA_MB_PER_USER: '1', ATTACHMENT_MAX_BYTES: String(300 * 1024) } });
    started.push(g);
    return g;
  };
  const upload = async (g: Galaxy, conversation: string, name: string, body: string) => {
    const res = await fetch(`${g.httpUrl}/api/attachments?conversation=${conversation}&name=${name}`, { method: 'POST', headers: { 'X-EMAIL-USER': 'alice@example.com' }, body });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('lets uploads of one person sent to two instances at once fill the quota and no more; the file downloads from either', async () => {
    const [a, b] = await Promise.all([galaxy(), galaxy()]);
    const { client, ready } = await a.open();
    const chat = ready.session.id as string;
    // The first upload stores the chat, so the other instance finds it.
    const first = await upload(a, chat, 'first.txt', 'x'.repeat(1024));
    expect(first.status).toBe(201);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => upload(i % 2 ? a : b, chat, `r${i}.txt`, 'y'.repeat(300 * 1024))));
    expect(results.map((r) => r.status).sort()).toEqual([201, 201, 201, 413, 413, 413, 413, 413]);
    const used = 1024 + 3 * 300 * 1024;
    expect(results.filter((r) => r.status === 413).every((r) => r.body.error.code === 'QUOTA_EXCEEDED' && r.body.error.usedBytes === used)).toBe(true);
    expect(await b.server.ctx.store.attachmentBytesUsed('alice@example.com')).toBe(used);
    const fromB = await fetch(`${b.httpUrl}/api/attachments/${first.body.id}`, { headers: { 'X-EMAIL-USER': 'alice@example.com' } });
    expect(fromB.status).toBe(200);
    expect((await fromB.text()).length).toBe(1024);
    client.close();
  }, 60_000);
});

import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPool } from '../../../server/store/postgres/connection.js';
import { migrate } from '../../../server/store/postgres/migrate.js';
import { POSTGRES_MIGRATIONS } from '../../../server/store/postgres/migrations/index.js';
import { PostgresStore } from '../../../server/store/postgres/postgres-store.js';
import { describeWithPostgres, startPostgres, type TestPostgres } from '../../support/postgres.js';

const settings = { max: 4, connectTimeoutMs: 5000 };

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describeWithPostgres('PostgreSQL migrations', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => server?.stop());

  it('lets several instances boot at the same moment on an empty database: all succeed, each migration runs once', async () => {
    const url = await server.createDatabase();
    const stores = await Promise.all(Array.from({ length: 4 }, () => PostgresStore.open(url, settings)));
    try {
      // Exactly one instance applied the migrations; the others waited on the lock and found nothing to do.
      expect(stores.map((s) => s.appliedMigrations.length).sort()).toEqual([0, 0, 0, POSTGRES_MIGRATIONS.length]);
      expect(await query(url, 'SELECT version, name FROM schema_migrations ORDER BY version')).toEqual(POSTGRES_MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
      // Every instance works on the one schema.
      await stores[0]!.createConversation({ id: 'c', owner: 'a@b.co', tenant: 't', title: 'shared', model: 'm', tools: [], dataSources: [], locked: false, createdAt: '2026-01-01T00:00:00Z' });
      expect((await stores[3]!.getConversation('c', 'a@b.co'))?.title).toBe('shared');
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('serialises migrate() itself: racing runners apply each version once, the rest apply nothing', async () => {
    const url = await server.createDatabase();
    const pools = [createPool(url, settings), createPool(url, settings)];
    try {
      const results = await Promise.all(pools.map((pool) => migrate(pool, POSTGRES_MIGRATIONS)));
      expect(results.flat()).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
      // The lock is released: a later boot takes it at once and applies nothing.
      expect(await migrate(pools[0]!, POSTGRES_MIGRATIONS)).toEqual([]);
      expect(await query(url, 'SELECT COUNT(*)::int AS locks FROM pg_locks WHERE locktype = \'advisory\'')).toEqual([{ locks: 0 }]);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it('applies only what is new, in order, to a database an older server made', async () => {
    const url = await server.createDatabase();
    // The version after the shipped ones, whatever their number.
    const shipped = POSTGRES_MIGRATIONS.map((m) => m.version);
    const next = { version: shipped.length + 1, name: 'test-extra', sql: 'CREATE TABLE extra (x INTEGER)' };
    const old = await PostgresStore.open(url, { ...settings, migrations: POSTGRES_MIGRATIONS });
    await old.close();
    const upgraded = await PostgresStore.open(url, { ...settings, migrations: [...POSTGRES_MIGRATIONS, next] });
    expect(upgraded.appliedMigrations).toEqual([next.version]);
    await upgraded.close();
    expect((await query(url, 'SELECT version FROM schema_migrations ORDER BY version')).map((r) => r.version)).toEqual([...shipped, next.version]);
  });

  it('rolls back a failing migration entirely, leaving the version unrecorded', async () => {
    const url = await server.createDatabase();
    const shipped = POSTGRES_MIGRATIONS.map((m) => m.version);
    const broken = { version: shipped.length + 1, name: 'broken', sql: 'CREATE TABLE half (x INTEGER); SELECT no_such_function()' };
    await expect(PostgresStore.open(url, { ...settings, migrations: [...POSTGRES_MIGRATIONS, broken] })).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      message: expect.stringContaining('no_such_function'),
    });
    expect((await query(url, 'SELECT version FROM schema_migrations ORDER BY version')).map((r) => r.version)).toEqual(shipped);
    expect(await query(url, "SELECT to_regclass('half') AS t")).toEqual([{ t: null }]);
  });

  it('refuses a database from a newer server with STORE_UNAVAILABLE', async () => {
    const url = await server.createDatabase();
    await (await PostgresStore.open(url, settings)).close();
    await query(url, "INSERT INTO schema_migrations (version, name) VALUES (99, 'future')");
    await expect(PostgresStore.open(url, settings)).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      message: `The chat history database has schema version 99, newer than this server knows (${POSTGRES_MIGRATIONS.length}); upgrade the server.`,
    });
  });
});

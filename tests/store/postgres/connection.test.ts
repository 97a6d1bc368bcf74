import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../server/errors.js';
import { parseEnv } from '../../../server/config/env.js';
import { openStore } from '../../../server/store/open-store.js';
import { createPool, describeUrl, inTransaction, isPostgresUrl, pgStoreError, validatePostgresUrl } from '../../../server/store/postgres/connection.js';
import { PostgresStore } from '../../../server/store/postgres/postgres-store.js';
import { freePort } from '../../support/nginx.js';
import { describeWithPostgres, startPostgres, type TestPostgres } from '../../support/postgres.js';

const settings = { max: 2, connectTimeoutMs: 2000 };
const silent = pino({ level: 'silent' });

describe('PostgreSQL connection settings', () => {
  it('recognises postgres:// and postgresql:// URLs only', () => {
    expect(isPostgresUrl('postgres://h/db')).toBe(true);
    expect(isPostgresUrl('postgresql://h/db')).toBe(true);
    expect(isPostgresUrl('sqlite:data/galaxy.db')).toBe(false);
    expect(isPostgresUrl('mysql://h/db')).toBe(false);
  });

  it('describes a URL without its password or options', () => {
    expect(describeUrl('postgres://galaxy:s3cret@db.internal:5432/galaxy?sslmode=require')).toBe('postgres://galaxy@db.internal:5432/galaxy');
    expect(describeUrl('postgresql://db/galaxy')).toBe('postgresql://db/galaxy');
  });

  it('explains a URL that cannot work before trying to connect', () => {
    expect(() => validatePostgresUrl('postgres://')).toThrow(/not a valid postgres:\/\/ URL|names no host/);
    expect(() => validatePostgresUrl('postgres://db.internal')).toThrow('DATABASE_URL "postgres://db.internal" names no database (…/<database>).');
    expect(() => validatePostgresUrl('postgres://db.internal/galaxy')).not.toThrow();
  });

  it('accepts PostgreSQL URLs and the pool settings in the environment', () => {
    const env = parseEnv({ DATABASE_URL: 'postgresql://u:p@h:5432/g', DATABASE_POOL_MAX: '25', DATABASE_CONNECT_TIMEOUT_MS: '1500' });
    expect(env).toMatchObject({ DATABASE_URL: 'postgresql://u:p@h:5432/g', DATABASE_POOL_MAX: 25, DATABASE_CONNECT_TIMEOUT_MS: 1500 });
    expect(parseEnv({})).toMatchObject({ DATABASE_POOL_MAX: 10, DATABASE_CONNECT_TIMEOUT_MS: 5000 });
    expect(() => parseEnv({ DATABASE_URL: 'mysql://h/db' })).toThrow(/DATABASE_URL: must be sqlite:<path>, sqlite::memory: or postgres:/);
    expect(() => parseEnv({ DATABASE_POOL_MAX: '0' })).toThrow(/DATABASE_POOL_MAX: must be a whole number from 1 to 1000/);
  });

  it('maps outages to STORE_UNAVAILABLE, refused data to BAD_REQUEST, and leaves bugs alone', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(pgStoreError(refused, 'postgres://h/db')).toMatchObject({ code: 'STORE_UNAVAILABLE', message: 'The chat history database is unavailable (postgres://h/db): cannot connect (ECONNREFUSED).' });
    expect(pgStoreError(Object.assign(new Error('x'), { code: '28P01' }))).toMatchObject({ code: 'STORE_UNAVAILABLE', message: 'The chat history database is unavailable: the password was rejected.' });
    expect(pgStoreError(Object.assign(new Error('x'), { code: '08006' }))).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(pgStoreError(new Error('timeout exceeded when trying to connect'))).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(pgStoreError(Object.assign(new Error('value too long'), { code: '22001' }))).toMatchObject({ code: 'BAD_REQUEST', message: 'The chat history database refused the data: value too long.' });
    const bug = Object.assign(new Error('syntax error at or near "SELEC"'), { code: '42601' });
    expect(pgStoreError(bug)).toBe(bug);
    const known = new AppError('NOT_FOUND');
    expect(pgStoreError(known)).toBe(known);
  });

  it('fails the boot with STORE_UNAVAILABLE when nothing listens at the URL', async () => {
    const port = await freePort();
    const url = `postgres://galaxy:hunter2@127.0.0.1:${port}/galaxy`;
    const error = await openStore({ DATABASE_URL: url }, silent).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      code: 'STORE_UNAVAILABLE',
      httpStatus: 503,
      message: `The chat history database is unavailable (postgres://galaxy@127.0.0.1:${port}/galaxy): cannot connect (ECONNREFUSED).`,
    });
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('fails the boot within the connect timeout when the host never answers', async () => {
    // 10.255.255.1 is unroutable here: the SYN goes nowhere, which is what a firewalled database looks like.
    const started = Date.now();
    await expect(PostgresStore.open('postgres://u@10.255.255.1:5432/galaxy', { max: 1, connectTimeoutMs: 300 })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describeWithPostgres('PostgreSQL connection, on a real server', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => server?.stop());

  it('opens through openStore for a postgres:// DATABASE_URL', async () => {
    const store = await openStore({ DATABASE_URL: server.url, DATABASE_POOL_MAX: 3, DATABASE_CONNECT_TIMEOUT_MS: 2000 }, silent);
    expect(store).toBeInstanceOf(PostgresStore);
    expect(await store.usageAll('2026-01')).toEqual([]);
    await store.close();
    await expect(store.usageAll('2026-01')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', message: 'The chat history database is closed.' });
    await store.close();
  });

  it('names a database that does not exist', async () => {
    const url = server.url.replace(/\/[^/]+$/, '/no_such_db');
    await expect(PostgresStore.open(url, settings)).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      message: `The chat history database is unavailable (${url}): the database does not exist.`,
    });
  });

  it('never lets the pool grow past its maximum', async () => {
    const pool = createPool(server.url, { max: 2, connectTimeoutMs: 2000 });
    try {
      await Promise.all(Array.from({ length: 6 }, () => pool.query('SELECT pg_sleep(0.05)')));
      const { rows } = await pool.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'");
      expect(rows[0]!.n).toBeLessThanOrEqual(2);
      expect(pool.totalCount).toBe(2);
    } finally {
      await pool.end();
    }
  });

  it('rolls a failed transaction back and returns its connection to the pool', async () => {
    const pool = createPool(server.url, { max: 1, connectTimeoutMs: 2000 });
    try {
      await pool.query('CREATE TABLE IF NOT EXISTS tx_probe (x INTEGER)');
      await expect(inTransaction(pool, async (client) => {
        await client.query('INSERT INTO tx_probe VALUES (1)');
        throw new Error('half way');
      })).rejects.toThrow('half way');
      // With max 1, this would wait forever if the connection had not been released.
      expect((await pool.query('SELECT COUNT(*)::int AS n FROM tx_probe')).rows).toEqual([{ n: 0 }]);
    } finally {
      await pool.end();
    }
  });
});

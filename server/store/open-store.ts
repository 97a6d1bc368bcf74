import type { Logger } from 'pino';
import type { Env } from '../config/env.js';
import { describeUrl, isPostgresUrl } from './postgres/connection.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { sqliteFilename } from './sqlite-connection.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

// Used when a caller (a script, a test) passes only DATABASE_URL; the server passes its parsed env.
const DEFAULT_POOL_MAX = 10;
const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

export type StoreSettings = Pick<Readonly<Env>, 'DATABASE_URL'> & Partial<Pick<Readonly<Env>, 'DATABASE_POOL_MAX' | 'DATABASE_CONNECT_TIMEOUT_MS'>>;

/**
 * Opens the store DATABASE_URL names: postgres:// or postgresql:// for PostgreSQL, sqlite: for
 * SQLite. Failing here stops the boot with a clear STORE_UNAVAILABLE rather than surfacing on the
 * first chat.
 */
export async function openStore(env: StoreSettings, log: Logger): Promise<Store> {
  if (isPostgresUrl(env.DATABASE_URL)) {
    const store = await PostgresStore.open(env.DATABASE_URL, {
      max: env.DATABASE_POOL_MAX ?? DEFAULT_POOL_MAX,
      connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS ?? DEFAULT_CONNECT_TIMEOUT_MS,
      onIdleError: (err) => log.warn({ err: err.message }, 'a pooled PostgreSQL connection failed; it will be replaced'),
    });
    log.info({ database: `postgresql ${describeUrl(env.DATABASE_URL)}`, migrationsApplied: store.appliedMigrations }, 'store opened');
    return store;
  }
  const filename = sqliteFilename(env.DATABASE_URL);
  const store = SqliteStore.open(filename);
  log.info({ database: filename === ':memory:' ? 'sqlite (in memory)' : `sqlite ${filename}` }, 'store opened');
  return store;
}

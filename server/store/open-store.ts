import type { Logger } from 'pino';
import type { Env } from '../config/env.js';
import { sqliteFilename } from './sqlite-connection.js';
import { SqliteStore } from './sqlite-store.js';
import { SqliteWorkerStore } from './sqlite-worker-store.js';
import type { Store } from './store.js';

/** Checked here, not imported from postgres/: a SQLite deployment never loads the PostgreSQL driver. */
const POSTGRES_URL = /^postgres(ql)?:\/\//i;

export function isPostgresUrl(databaseUrl: string): boolean {
  return POSTGRES_URL.test(databaseUrl);
}

// Used when a caller (a script, a test) passes only DATABASE_URL; the server passes its parsed env.
const DEFAULT_POOL_MAX = 10;
const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

export type StoreSettings = Pick<Readonly<Env>, 'DATABASE_URL'> &
  Partial<Pick<Readonly<Env>, 'DATABASE_POOL_MAX' | 'DATABASE_CONNECT_TIMEOUT_MS' | 'STORE_WORKER'>>;

/**
 * Opens the store DATABASE_URL names: postgres:// or postgresql:// for PostgreSQL, sqlite: for
 * SQLite (on its own thread unless STORE_WORKER=false, so its synchronous statements never block the
 * chat's event loop). Failing here stops the boot with a clear STORE_UNAVAILABLE rather than
 * surfacing on the first chat.
 */
export async function openStore(env: StoreSettings, log: Logger): Promise<Store> {
  if (POSTGRES_URL.test(env.DATABASE_URL)) {
    const [{ PostgresStore }, { describeUrl }] = await Promise.all([import('./postgres/postgres-store.js'), import('./postgres/connection.js')]);
    const store = await PostgresStore.open(env.DATABASE_URL, {
      max: env.DATABASE_POOL_MAX ?? DEFAULT_POOL_MAX,
      connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS ?? DEFAULT_CONNECT_TIMEOUT_MS,
      onIdleError: (err) => log.warn({ err: err.message }, 'a pooled PostgreSQL connection failed; it will be replaced'),
    });
    log.info({ database: `postgresql ${describeUrl(env.DATABASE_URL)}`, migrationsApplied: store.appliedMigrations }, 'store opened');
    return store;
  }
  const filename = sqliteFilename(env.DATABASE_URL);
  const onWorker = env.STORE_WORKER ?? true;
  const store = onWorker
    ? await SqliteWorkerStore.open(filename, { onCrash: (err) => log.error({ err }, 'store worker stopped; chat history is unavailable until a restart') })
    : SqliteStore.open(filename);
  const database = filename === ':memory:' ? 'sqlite (in memory)' : `sqlite ${filename}`;
  log.info({ database, thread: onWorker ? 'worker' : 'main' }, 'store opened');
  return store;
}

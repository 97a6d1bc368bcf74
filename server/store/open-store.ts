import type { Logger } from 'pino';
import type { Env } from '../config/env.js';
import { sqliteFilename } from './sqlite-connection.js';
import { SqliteStore } from './sqlite-store.js';
import { SqliteWorkerStore } from './sqlite-worker-store.js';
import type { Store } from './store.js';

/**
 * Opens the store DATABASE_URL names (SQLite today), on its own thread unless STORE_WORKER=false.
 * Failing here stops the boot with a clear STORE_UNAVAILABLE rather than surfacing on the first chat.
 */
export async function openStore(env: Pick<Readonly<Env>, 'DATABASE_URL' | 'STORE_WORKER'>, log: Logger): Promise<Store> {
  const filename = sqliteFilename(env.DATABASE_URL);
  const store = env.STORE_WORKER
    ? await SqliteWorkerStore.open(filename, { onCrash: (err) => log.error({ err }, 'store worker stopped; chat history is unavailable until a restart') })
    : SqliteStore.open(filename);
  const database = filename === ':memory:' ? 'sqlite (in memory)' : `sqlite ${filename}`;
  log.info({ database, thread: env.STORE_WORKER ? 'worker' : 'main' }, 'store opened');
  return store;
}

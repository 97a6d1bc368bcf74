import type { Logger } from 'pino';
import type { Env } from '../config/env.js';
import { sqliteFilename } from './sqlite-connection.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

/**
 * Opens the store DATABASE_URL names (SQLite today). Failing here stops the boot with a clear
 * STORE_UNAVAILABLE rather than surfacing on the first chat.
 */
export async function openStore(env: Pick<Readonly<Env>, 'DATABASE_URL'>, log: Logger): Promise<Store> {
  const filename = sqliteFilename(env.DATABASE_URL);
  const store = SqliteStore.open(filename);
  log.info({ database: filename === ':memory:' ? 'sqlite (in memory)' : `sqlite ${filename}` }, 'store opened');
  return store;
}

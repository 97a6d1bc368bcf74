import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { ConfigError, parseEnv } from '../server/config/env.js';
import { isPostgresUrl } from '../server/store/postgres/connection.js';
import { sqliteFilename } from '../server/store/sqlite-connection.js';

/**
 * Online backup of the history database named by DATABASE_URL, safe while the server runs:
 * SQLite's backup API copies a consistent snapshot page by page and restarts if a writer changes
 * a page mid-copy, so the copy is never torn.
 *
 *   npm run backup -- backups/galaxy-2026-03-01.db
 */
async function main(): Promise<void> {
  const destination = process.argv[2];
  if (!destination) throw new Error('usage: npm run backup -- <destination file>');
  const { DATABASE_URL } = parseEnv(process.env);
  if (isPostgresUrl(DATABASE_URL)) throw new Error('DATABASE_URL is PostgreSQL; back it up with pg_dump (docs/deployment.md, "Running on PostgreSQL").');
  const source = sqliteFilename(DATABASE_URL);
  if (source === ':memory:') throw new Error('DATABASE_URL is sqlite::memory:; there is nothing on disk to back up.');
  if (!existsSync(source)) throw new Error(`No database at ${source}.`);
  if (resolve(source) === resolve(destination)) throw new Error('The destination is the database itself.');
  mkdirSync(dirname(resolve(destination)), { recursive: true });
  // Not readonly: a WAL reader may need to create the -shm file when the server is not running.
  const db = new Database(source, { fileMustExist: true });
  try {
    const started = Date.now();
    const result = await db.backup(destination);
    process.stdout.write(`backed up ${source} → ${destination}: ${result.totalPages} pages in ${Date.now() - started} ms\n`);
  } finally {
    db.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`backup failed: ${err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

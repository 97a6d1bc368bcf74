import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { AppError } from '../errors.js';
import type { Migration } from './migrations/sqlite/index.js';

export type SqliteDb = Database.Database;

/** SQLite result codes that mean "the database cannot be used right now", not a bug in our SQL. */
const UNAVAILABLE_CODES = /^SQLITE_(BUSY|LOCKED|CORRUPT|NOTADB|FULL|IOERR|CANTOPEN|READONLY|PERM|PROTOCOL)/;

// Writers wait this long for another writer's lock; kept short because the wait blocks the event loop.
const BUSY_TIMEOUT_MS = 200;

function describe(code: string): string {
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT')) return 'the file is not a valid database (corrupt?)';
  if (code.startsWith('SQLITE_FULL')) return 'the disk is full';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'the database is locked by another process';
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_PERM')) return 'the file cannot be opened';
  if (code.startsWith('SQLITE_READONLY')) return 'the database is read-only';
  return 'an I/O error occurred';
}

/** Maps driver failures to STORE_UNAVAILABLE; anything else is rethrown untouched. */
export function storeError(err: unknown, where?: string): unknown {
  if (err instanceof AppError) return err;
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && UNAVAILABLE_CODES.test(code)) {
    const place = where ? ` (${where})` : '';
    return new AppError('STORE_UNAVAILABLE', `The chat history database is unavailable${place}: ${describe(code)}.`, { cause: err });
  }
  return err;
}

/** One opaque search token per owner: the FTS index can then restrict a query to its owner's rows. */
export function ownerKey(owner: string): string {
  return `o${createHash('sha256').update(owner.toLowerCase()).digest('hex').slice(0, 24)}`;
}

/** `sqlite:path` (relative to the cwd) or `sqlite::memory:` → the driver's filename. */
export function sqliteFilename(databaseUrl: string): string {
  const rest = databaseUrl.replace(/^sqlite:(\/\/)?/, '');
  if (rest === databaseUrl || rest === '') throw new AppError('STORE_UNAVAILABLE', `DATABASE_URL "${databaseUrl}" is not a sqlite: URL.`);
  return rest;
}

/**
 * Opens the database, sets WAL and the pragmas every connection needs, and applies pending
 * migrations. A missing directory is created; a locked, corrupt or unreadable file becomes a clear
 * STORE_UNAVAILABLE naming the file (operators read it at boot).
 */
export function openSqlite(filename: string, migrations: readonly Migration[]): SqliteDb {
  const inMemory = filename === ':memory:';
  let db: SqliteDb | undefined;
  try {
    if (!inMemory) mkdirSync(dirname(filename), { recursive: true });
    db = new Database(filename, { timeout: BUSY_TIMEOUT_MS });
    db.pragma('journal_mode = WAL');
    // NORMAL is durable in WAL mode except for the last transactions on power loss, and far cheaper.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.function('owner_key', { deterministic: true }, (owner: unknown) => ownerKey(String(owner)));
    migrate(db, migrations);
    return db;
  } catch (err) {
    db?.close();
    const mapped = storeError(err, filename);
    if (mapped instanceof AppError) throw mapped;
    const reason = err instanceof Error ? err.message : String(err);
    throw new AppError('STORE_UNAVAILABLE', `The chat history database could not be opened (${filename}): ${reason}`, { cause: err });
  }
}

/** Applies each migration newer than the recorded version in its own transaction, recording it. */
export function migrate(db: SqliteDb, migrations: readonly Migration[]): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const current = (db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations').get() as { v: number }).v;
  const known = Math.max(0, ...migrations.map((m) => m.version));
  if (current > known) {
    throw new AppError('STORE_UNAVAILABLE', `The chat history database has schema version ${current}, newer than this server knows (${known}); upgrade the server.`);
  }
  const applied: number[] = [];
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
    }).immediate();
    applied.push(m.version);
  }
  return applied;
}

const statementCache = new WeakMap<SqliteDb, Map<string, Database.Statement>>();

/** Compiles each SQL text once per connection: preparing costs more than running a small statement. */
export function prepared(db: SqliteDb, sql: string): Database.Statement {
  let cache = statementCache.get(db);
  if (!cache) statementCache.set(db, (cache = new Map()));
  let statement = cache.get(sql);
  if (!statement) cache.set(sql, (statement = db.prepare(sql)));
  return statement;
}

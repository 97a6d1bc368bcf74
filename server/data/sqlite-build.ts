import { renameSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';

/**
 * Writes one SQLite file atomically: it is built under a temporary name in the same directory and
 * renamed into place only when complete, so a crash or a concurrent reader never sees half a
 * database, and two processes building at once simply race to an identical result.
 */
export function buildDatabaseAtomically(finalPath: string, fill: (db: Database.Database) => void): void {
  const tempPath = `${finalPath}.tmp-${process.pid}`;
  rmSync(tempPath, { force: true });
  const db = new Database(tempPath);
  try {
    // No rollback journal: the temp file is thrown away on failure anyway, and it keeps the build fast.
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.transaction(() => fill(db))();
    db.close();
    renameSync(tempPath, finalPath);
  } catch (err) {
    if (db.open) db.close();
    rmSync(tempPath, { force: true });
    throw err;
  }
}

/** A temp file a crashed build left behind (see buildDatabaseAtomically). */
export function isLeftoverTempFile(name: string): boolean {
  return /\.db\.tmp-\d+$/.test(name);
}

/** Inserts rows into a table with one prepared statement; column names come from our own code. */
export function insertRows(db: Database.Database, table: string, columns: readonly string[], rows: readonly unknown[][]): void {
  const placeholders = columns.map(() => '?').join(', ');
  const insert = db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${placeholders})`);
  for (const row of rows) insert.run(...row);
}

const DAY_MS = 86_400_000;

/** Sample data lives on a fixed calendar; these never look at the clock. */
export function utcMs(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day);
}

export function addDays(ms: number, days: number): number {
  return ms + days * DAY_MS;
}

export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** 'YYYY-MM-DD HH:MM:SS', the form SQLite's date functions read directly. */
export function formatDateTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

export function daysBetween(fromMs: number, toMs: number): number {
  return Math.floor((toMs - fromMs) / DAY_MS);
}

export const HOUR_MS = 3_600_000;
export { DAY_MS };

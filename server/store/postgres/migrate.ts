import { AppError } from '../../errors.js';
import type { PgPool } from './connection.js';
import type { PgMigration } from './migrations/index.js';

/**
 * Every Galaxy instance runs this at boot. One session-level advisory lock serialises them: the first
 * applies what is pending, the others wait on the lock, then find nothing left to do. The key is a
 * fixed number so every instance of every version agrees on it.
 */
export const MIGRATION_LOCK_KEY = 7_243_310_001;

/** Applies each migration newer than the recorded version in its own transaction; returns what it applied. */
export async function migrate(pool: PgPool, migrations: readonly PgMigration[]): Promise<number[]> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())',
      );
      const { rows } = await client.query<{ v: number }>('SELECT COALESCE(MAX(version), 0)::int AS v FROM schema_migrations');
      const current = rows[0]?.v ?? 0;
      const known = Math.max(0, ...migrations.map((m) => m.version));
      if (current > known) {
        throw new AppError('STORE_UNAVAILABLE', `The chat history database has schema version ${current}, newer than this server knows (${known}); upgrade the server.`);
      }
      const applied: number[] = [];
      for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
        if (m.version <= current) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
        applied.push(m.version);
      }
      return applied;
    } finally {
      // The lock lives as long as the session: a connection that cannot unlock is destroyed, not pooled.
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => (broken = true));
    }
  } finally {
    client.release(broken);
  }
}

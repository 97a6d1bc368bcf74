import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../server/store/sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'galaxy-backup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const runBackup = (databaseUrl: string, destination: string) =>
  spawnSync('npx', ['tsx', 'scripts/backup.ts', destination], { env: { ...process.env, DATABASE_URL: databaseUrl }, encoding: 'utf8', timeout: 30_000 });

describe('npm run backup', () => {
  it('copies the live database, including writes still in the WAL, while the store stays open', async () => {
    const file = join(dir, 'live.db');
    const store = SqliteStore.open(file);
    await store.createConversation({ id: 'kept', owner: 'a@example.com', tenant: 't', title: 'Backed up', model: 'demo', tools: [], dataSources: [], locked: false, createdAt: '2026-01-01T00:00:00Z' });
    const copy = join(dir, 'out', 'copy.db');
    const result = runBackup(`sqlite:${file}`, copy);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^backed up .*live\.db → .*copy\.db: \d+ pages in \d+ ms\n$/);
    await store.createConversation({ id: 'after', owner: 'a@example.com', tenant: 't', title: 'Later', model: 'demo', tools: [], dataSources: [], locked: false, createdAt: '2026-01-02T00:00:00Z' });
    await store.close();
    const db = new Database(copy, { readonly: true });
    expect(db.prepare('SELECT id, title FROM conversations').all()).toEqual([{ id: 'kept', title: 'Backed up' }]);
    db.close();
    const restored = SqliteStore.open(copy);
    expect((await restored.searchConversations('a@example.com', 'backed', { limit: 5 })).map((h) => h.conversation.id)).toEqual(['kept']);
    await restored.close();
  });

  it('fails with a clear message when there is no database', () => {
    const result = runBackup(`sqlite:${join(dir, 'missing.db')}`, join(dir, 'x.db'));
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`backup failed: No database at ${join(dir, 'missing.db')}.\n`);
  });

  it('points a PostgreSQL DATABASE_URL to pg_dump instead', () => {
    const result = runBackup('postgres://galaxy@db.internal/galaxy', join(dir, 'x.db'));
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('backup failed: DATABASE_URL is PostgreSQL; back it up with pg_dump (docs/deployment.md, "Running on PostgreSQL").\n');
  });
});

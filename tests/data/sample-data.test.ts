import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { buildSampleData, ensureSampleData, SAMPLE_DATA_FILES } from '../../server/data/sample-data.js';
import { sha256 } from './fixture.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'galaxy-sample-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Every table's rows in a canonical order, hashed: equal content whatever the file layout. */
function dumpHash(file: string): string {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const hash = createHash('sha256');
    const tables = db.prepare("SELECT name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string; sql: string }[];
    for (const { name, sql } of tables) {
      hash.update(`${name}\n${sql}\n`);
      if (!sql.startsWith('CREATE TABLE')) continue;
      for (const row of db.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).raw(true).iterate()) hash.update(JSON.stringify(row));
    }
    return hash.digest('hex');
  } finally {
    db.close();
  }
}

function query<T>(file: string, sql: string): T[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

describe('sample data generator', () => {
  const first = tempDir();
  const second = tempDir();
  const otherSeed = tempDir();
  buildSampleData(first);
  buildSampleData(second);
  buildSampleData(otherSeed, { seed: 7 });

  it('builds the three sample databases', () => {
    expect(SAMPLE_DATA_FILES).toEqual(['directory.db', 'sales.db', 'support.db']);
    for (const name of SAMPLE_DATA_FILES) expect(statSync(join(first, name)).size).toBeGreaterThan(10_000);
  });

  it('gives byte-for-byte identical files and table dumps for the same seed', () => {
    for (const name of SAMPLE_DATA_FILES) {
      expect(dumpHash(join(first, name))).toBe(dumpHash(join(second, name)));
      expect(sha256(join(first, name))).toBe(sha256(join(second, name)));
    }
  });

  it('gives different content for a different seed', () => {
    for (const name of SAMPLE_DATA_FILES) expect(dumpHash(join(otherSeed, name))).not.toBe(dumpHash(join(first, name)));
  });

  it('leaves no temporary files behind', () => {
    expect(readdirSync(first).sort()).toEqual([...SAMPLE_DATA_FILES].sort());
  });

  it('fills the directory with a few hundred people at example.com, each with a valid manager', () => {
    const file = join(first, 'directory.db');
    const n = query<{ n: number }>(file, 'SELECT count(*) AS n FROM people')[0]!.n;
    expect(n).toBeGreaterThanOrEqual(200);
    expect(n).toBeLessThanOrEqual(600);
    expect(query(file, "SELECT email FROM people WHERE email NOT LIKE '%@example.com'")).toEqual([]);
    expect(query(file, 'SELECT email, count(*) FROM people GROUP BY email HAVING count(*) > 1')).toEqual([]);
    // Exactly one person (the CEO) has no manager, and every manager exists.
    expect(query(file, 'SELECT title FROM people WHERE manager_id IS NULL')).toEqual([{ title: 'Chief Executive Officer' }]);
    expect(query(file, 'SELECT p.id FROM people p LEFT JOIN people m ON m.id = p.manager_id WHERE p.manager_id IS NOT NULL AND m.id IS NULL')).toEqual([]);
    expect(query(file, 'SELECT d.name FROM departments d LEFT JOIN people p ON p.id = d.head_id WHERE p.id IS NULL')).toEqual([]);
    const columns = query<{ name: string }>(file, 'SELECT name FROM pragma_table_info(\'people\')').map((c) => c.name);
    expect(columns).toEqual(['id', 'name', 'first_name', 'last_name', 'email', 'department', 'title', 'manager_id', 'location', 'phone', 'start_date']);
  });

  it('spreads sales over two years and uses directory sales people as reps', () => {
    const sales = join(first, 'sales.db');
    const [range] = query<{ first: string; last: string; orders: number }>(sales, 'SELECT min(order_date) AS first, max(order_date) AS last, count(*) AS orders FROM orders');
    expect(range).toMatchObject({ first: expect.stringMatching(/^2023-01/), last: expect.stringMatching(/^2024-12/) });
    expect(range!.orders).toBeGreaterThan(2000);
    const reps = query<{ email: string }>(sales, 'SELECT DISTINCT sales_rep_email AS email FROM orders UNION SELECT account_manager_email FROM customers');
    const salesPeople = new Set(query<{ email: string }>(join(first, 'directory.db'), "SELECT email FROM people WHERE department = 'Sales'").map((r) => r.email));
    for (const { email } of reps) expect(salesPeople.has(email)).toBe(true);
    expect(query(sales, 'SELECT i.id FROM order_items i LEFT JOIN orders o ON o.id = i.order_id WHERE o.id IS NULL')).toEqual([]);
  });

  it('assigns support tickets to Customer Support people and keeps times in order', () => {
    const support = join(first, 'support.db');
    const agents = new Set(query<{ email: string }>(join(first, 'directory.db'), "SELECT email FROM people WHERE department = 'Customer Support'").map((r) => r.email));
    const assignees = query<{ email: string }>(support, 'SELECT DISTINCT assignee_email AS email FROM tickets WHERE assignee_email IS NOT NULL');
    expect(assignees.length).toBeGreaterThan(10);
    for (const { email } of assignees) expect(agents.has(email)).toBe(true);
    expect(query(support, 'SELECT id FROM tickets WHERE resolved_at < created_at OR first_response_at < created_at')).toEqual([]);
    expect(query(support, "SELECT id FROM tickets WHERE (resolved_at IS NULL) <> (status NOT IN ('resolved', 'closed'))")).toEqual([]);
    const statuses = query<{ status: string }>(support, 'SELECT DISTINCT status FROM tickets ORDER BY status').map((r) => r.status);
    expect(statuses).toEqual(expect.arrayContaining(['closed', 'in_progress', 'open', 'resolved']));
  });
});

describe('ensureSampleData', () => {
  it('builds everything into a fresh (even missing) directory', () => {
    const dir = join(tempDir(), 'nested', 'data');
    expect(ensureSampleData(dir)).toEqual({ built: ['directory.db', 'sales.db', 'support.db'] });
    for (const name of SAMPLE_DATA_FILES) expect(existsSync(join(dir, name))).toBe(true);
  });

  it('builds only the missing files, never touching existing ones, and matches a full build', () => {
    const dir = tempDir();
    ensureSampleData(dir);
    const salesBefore = statSync(join(dir, 'sales.db'));
    const reference = sha256(join(dir, 'support.db'));
    rmSync(join(dir, 'support.db'));
    expect(ensureSampleData(dir)).toEqual({ built: ['support.db'] });
    expect(statSync(join(dir, 'sales.db')).mtimeMs).toBe(salesBefore.mtimeMs);
    expect(statSync(join(dir, 'sales.db')).ino).toBe(salesBefore.ino);
    expect(sha256(join(dir, 'support.db'))).toBe(reference);
    expect(ensureSampleData(dir)).toEqual({ built: [] });
  });

  it('removes temp files left by a crashed build but not those of a live one', () => {
    const dir = tempDir();
    const deadPid = 2 ** 22 + 12_345; // above the largest pid Linux can hand out (2^22): never alive
    writeFileSync(join(dir, `sales.db.tmp-${deadPid}`), 'half a database');
    writeFileSync(join(dir, `support.db.tmp-${process.ppid}`), 'another process is still writing');
    ensureSampleData(dir);
    expect(existsSync(join(dir, `sales.db.tmp-${deadPid}`))).toBe(false);
    expect(existsSync(join(dir, `support.db.tmp-${process.ppid}`))).toBe(true);
  });
});

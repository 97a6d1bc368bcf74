import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { SqlQueryTool } from '../../server/tools/sql-query.js';
import type { ToolOutcome } from '../../server/tools/tool.js';
import { fakeToolContext, makeSampleFixture, sha256, TOOL_LIMITS } from '../data/fixture.js';

/** Security checklist items 27–32: every attack is tried and must leave the database unchanged. */

/** For the runaway queries; everything else gets a generous limit so a loaded machine cannot make it flaky. */
const TIMEOUT_MS = 1000;
const fixture = makeSampleFixture('galaxy-sql-');
const salesFile = join(fixture.dataDir, 'sales.db');
const otherDb = join(fixture.dataDir, 'other.db');
{
  // Another database an attacker would like to read through ATTACH.
  const db = new Database(otherDb);
  db.exec("CREATE TABLE x (secret TEXT); INSERT INTO x VALUES ('the-other-secret')");
  db.close();
}
const tool = new SqlQueryTool(fixture.catalog, { timeoutMs: 15_000, maxRows: 50, maxBytes: 64 * 1024 });
// A roomy memory cap: these runaway queries must be stopped by the clock (sql-memory.test.ts covers the memory cap).
const fastTool = new SqlQueryTool(fixture.catalog, { timeoutMs: TIMEOUT_MS, maxRows: 50, maxBytes: 64 * 1024, memoryMb: 4096 });
const salesHash = sha256(salesFile);
afterAll(async () => {
  await tool.stop();
  await fastTool.stop();
  fixture.cleanup();
});

function query(args: Record<string, unknown>, dataSources = ['sales', 'directory'], signal?: AbortSignal, using = tool): Promise<ToolOutcome> {
  return using.execute(JSON.stringify(args), fakeToolContext(dataSources, signal), TOOL_LIMITS);
}
const sales = (sql: string) => query({ data_source: 'sales', sql });

function expectRejected(outcome: ToolOutcome, codes: string[] = ['TOOL_BAD_ARGUMENTS']): void {
  expect(outcome.ok).toBe(false);
  if (outcome.ok) return;
  expect(codes).toContain(outcome.code);
  // No error may reveal where the data lives.
  expect(outcome.message).not.toContain(fixture.dataDir);
  expect(outcome.message).not.toContain('.db');
}

function okContent(outcome: ToolOutcome): Extract<ToolOutcome, { ok: true }> {
  if (!outcome.ok) throw new Error(`expected success, got ${outcome.code}: ${outcome.message}`);
  return outcome;
}

describe('sql_query answers read-only questions', () => {
  it('returns a text table for the model and a table ui for the page', async () => {
    const outcome = okContent(await sales("SELECT segment, count(*) AS n FROM customers GROUP BY segment ORDER BY segment"));
    expect(outcome.content).toMatch(/^3 rows from sales\.\nsegment \| n\nEnterprise \| \d+\nMid-Market \| \d+\nSMB \| \d+$/);
    expect(outcome.ui).toMatchObject({ type: 'table', columns: ['segment', 'n'], truncated: false, caption: '3 rows from sales' });
    expect((outcome.ui as { rows: unknown[][] }).rows.map((r) => r[0])).toEqual(['Enterprise', 'Mid-Market', 'SMB']);
  });

  it('accepts WITH queries, comments, a trailing semicolon, and the replace() function', async () => {
    const outcome = okContent(
      await sales("-- top product\nWITH t AS (SELECT product_id, sum(quantity) q FROM order_items GROUP BY 1)\n/* ; drop table t */ SELECT replace('a;b', ';', '-') AS x, count(*) AS n FROM t;"),
    );
    expect(outcome.content).toContain('a-b | 26');
  });

  it('caps rows and marks the result truncated', async () => {
    const outcome = okContent(await sales('SELECT id FROM orders ORDER BY id'));
    expect(outcome.content).toMatch(/^50 rows from sales \(truncated\)\./);
    expect(outcome.content).toContain('[truncated: only the first 50 rows are shown');
    expect(outcome.ui).toMatchObject({ truncated: true });
    expect((outcome.ui as { rows: unknown[] }).rows).toHaveLength(50);
  });

  it('caps bytes and cuts huge text cells', async () => {
    const small = new SqlQueryTool(fixture.catalog, { timeoutMs: 15_000, maxRows: 1000, maxBytes: 2048 });
    const outcome = await small.execute(JSON.stringify({ data_source: 'sales', sql: 'SELECT name, city FROM customers' }), fakeToolContext(['sales']), TOOL_LIMITS);
    const ok = okContent(outcome);
    expect(ok.content).toContain('(truncated)');
    expect(ok.content.length).toBeLessThan(3000);
    const big = okContent(await sales("SELECT printf('%.*c', 100000, 'x') AS blob_text"));
    expect(big.content).toContain('[some long text values were cut');
    expect(big.content.length).toBeLessThan(2500);
  });

  it('keeps big integers exact and describes blobs', async () => {
    const outcome = okContent(await sales("SELECT 9007199254740993 AS big, 42 AS small, x'00ff' AS bytes, 1e999 AS inf"));
    expect((outcome.ui as { rows: unknown[][] }).rows[0]).toEqual(['9007199254740993', 42, '[blob, 2 bytes]', 'Infinity']);
  });

  it('returns the schema on request', async () => {
    const outcome = okContent(await query({ data_source: 'directory', schema: true }));
    expect(outcome.content).toContain('people(id INTEGER, name TEXT, first_name TEXT');
    expect(outcome.ui).toMatchObject({ type: 'table', columns: ['table', 'column', 'type'] });
  });

  it('hints at the real table names when the model guesses wrong', async () => {
    const outcome = await sales('SELECT * FROM sales');
    expectRejected(outcome, ['TOOL_FAILED']);
    expect(!outcome.ok && outcome.message).toBe(
      'SQL error: no such table: sales. Tables in sales: customers, order_items, order_totals, orders, products. Call with schema: true for the columns.',
    );
  });

  it('asks for sql when neither sql nor schema is given', async () => {
    expectRejected(await query({ data_source: 'sales' }));
  });
});

describe('sql_query only reaches the data sources of this chat', () => {
  it('refuses a data source that is not selected, listing the ones that are', async () => {
    const outcome = await query({ data_source: 'support', sql: 'SELECT 1' }, ['sales']);
    expectRejected(outcome, ['TOOL_FORBIDDEN']);
    expect(!outcome.ok && outcome.message).toBe('That data source is not available in this chat. Available: sales.');
  });

  it('refuses unknown ids the same way, without echoing them', async () => {
    const outcome = await query({ data_source: '../../etc/passwd.db', sql: 'SELECT 1' }, ['sales']);
    expectRejected(outcome, ['TOOL_FORBIDDEN']);
    expect(!outcome.ok && outcome.message).not.toContain('passwd');
  });
});

describe('sql_query refuses everything but one read-only SELECT (checklist 27–31)', () => {
  beforeEach(() => {
    expect(sha256(salesFile)).toBe(salesHash);
  });

  const attacks: [string, string][] = [
    ['INSERT', "INSERT INTO customers (name) VALUES ('x')"],
    ['UPDATE', "UPDATE customers SET name = 'x'"],
    ['DELETE', 'DELETE FROM orders'],
    ['DROP', 'DROP TABLE orders'],
    ['INSERT … RETURNING', "INSERT INTO products (sku) VALUES ('x') RETURNING *"],
    ['WITH … DELETE', 'WITH x AS (SELECT 1) DELETE FROM orders'],
    ['REPLACE INTO', "REPLACE INTO products (id, sku) VALUES (1, 'x')"],
    ['CREATE TEMP TABLE', 'CREATE TEMP TABLE t AS SELECT * FROM customers'],
    ['ALTER', 'ALTER TABLE customers ADD COLUMN x'],
    ['PRAGMA query_only=0', 'PRAGMA query_only=0'],
    ['PRAGMA writable_schema=1', 'PRAGMA writable_schema=1'],
    ['PRAGMA mmap_size', 'PRAGMA mmap_size=268435456'],
    ['PRAGMA journal_mode', 'PRAGMA journal_mode=WAL'],
    ['PRAGMA temp_store_directory', "PRAGMA temp_store_directory='/tmp'"],
    ['PRAGMA database_list', 'PRAGMA database_list'],
    ['PRAGMA table_info(x)', 'PRAGMA table_info(customers)'],
    ['pragma_database_list()', 'SELECT * FROM pragma_database_list'],
    ['"pragma_database_list"', 'SELECT file FROM "pragma_database_list"'],
    ["'pragma_database_list'", "SELECT file FROM 'pragma_database_list'"],
    ['[pragma_table_info]', "SELECT * FROM [pragma_table_info]('customers')"],
    ['main.pragma_database_list', 'SELECT * FROM main.pragma_database_list'],
    ['BEGIN', 'BEGIN'],
    ['BEGIN IMMEDIATE', 'BEGIN IMMEDIATE TRANSACTION'],
    ['COMMIT', 'COMMIT'],
    ['ROLLBACK', 'ROLLBACK'],
    ['SAVEPOINT', 'SAVEPOINT s1'],
    ['load_extension', "select load_extension('/tmp/evil.so')"],
    ['"load_extension"', `select "load_extension"('/tmp/evil.so')`],
    ['two statements', 'select 1; drop table t'],
    ['a second SELECT', 'select 1; select 2'],
    ['comment-hidden start', '/* harmless */ DELETE FROM orders'],
    ['EXPLAIN', 'EXPLAIN SELECT 1'],
    ['NUL byte', 'SELECT 1\u0000; DROP TABLE orders'],
    ['vertical tab', 'SELECT\u000b1'],
    ['unterminated string', "SELECT 'abc"],
  ];

  it.each(attacks)('%s is rejected and the database is unchanged', async (_label, sql) => {
    expectRejected(await sales(sql));
    expect(sha256(salesFile)).toBe(salesHash);
  });

  it('ATTACH then reading the attached schema (two calls) reveals nothing', async () => {
    const attach = await sales(`ATTACH '${otherDb}' AS u`);
    expectRejected(attach);
    expect(!attach.ok && attach.message).toBe('ATTACH is not allowed: this tool only runs read-only SELECT queries.');
    const read = await sales('SELECT * FROM u.x');
    expectRejected(read, ['TOOL_FAILED']);
    expect(!read.ok && read.message).toMatch(/^SQL error: no such table: u\.x\./);
    expect(JSON.stringify(read)).not.toContain('the-other-secret');
  });

  it('VACUUM INTO is rejected and writes no file', async () => {
    const target = join(fixture.dataDir, 'stolen.db');
    expectRejected(await sales(`VACUUM INTO '${target}'`));
    expect(existsSync(target)).toBe(false);
    expect(sha256(salesFile)).toBe(salesHash);
  });

  it('never reveals paths in SQLite errors', async () => {
    for (const sql of ['SELECT * FROM nope', 'SELECT nope FROM customers', 'SELECT (', "SELECT * FROM 'x.db'"]) {
      const outcome = await sales(sql);
      expectRejected(outcome, ['TOOL_FAILED']);
    }
  });
});

describe('sql_query kills runaway queries (checklist 32)', () => {
  const runaway: [string, string][] = [
    ['a recursive CTE to 1e9 rows', 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 1000000000) SELECT count(*) FROM c'],
    // One 500 MB blob can finish inside a second on an idle machine; a thousand of them cannot.
    ['randomblob(5e8)', 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) SELECT sum(length(randomblob(5e8))) FROM c'],
    ['a 5-way cross join', 'SELECT count(*) FROM order_items a, order_items b, order_items c, order_items d, order_items e'],
  ];

  it.each(runaway)('%s is stopped at the time limit and its process is gone', async (_label, sql) => {
    const started = performance.now();
    const outcome = await query({ data_source: 'sales', sql }, ['sales'], undefined, fastTool);
    const elapsed = performance.now() - started;
    expect(outcome).toMatchObject({ ok: false, code: 'TOOL_TIMEOUT', message: `The query was stopped after ${TIMEOUT_MS} ms. Filter or aggregate more, or add a LIMIT.` });
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 1000);
    await vi.waitFor(() => expect(fastTool.readiness()).toMatchObject({ running: 0 }), { timeout: 2000 });
  });

  it('stops the query when the chat stops (ctx.signal aborts)', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('user pressed stop')), 200);
    const started = performance.now();
    const outcome = await query({ data_source: 'sales', sql: runaway[0]![1] }, ['sales'], controller.signal);
    expect(outcome.ok).toBe(false);
    expect(performance.now() - started).toBeLessThan(800);
    await vi.waitFor(() => expect(tool.readiness()).toMatchObject({ running: 0 }), { timeout: 2000 });
  });

  it('runs parallel calls beyond the process cap one after another', async () => {
    const capped = new SqlQueryTool(fixture.catalog, { timeoutMs: 15_000, maxRows: 10, maxBytes: 10_000, maxConcurrent: 2 });
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        capped.execute(JSON.stringify({ data_source: 'sales', sql: `SELECT ${i} AS n` }), fakeToolContext(['sales']), TOOL_LIMITS),
      ),
    );
    expect(outcomes.map((o) => okContent(o).content)).toEqual([0, 1, 2, 3, 4].map((i) => `1 row from sales.\nn\n${i}`));
  });

  it('leaves no stray files in the data directory', () => {
    rmSync(otherDb);
    expect(sha256(salesFile)).toBe(salesHash);
  });
});

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkReadOnlySql } from '../../server/tools/sql/sql-gate.js';
import { sanitizeSqlError } from '../../server/tools/sql/sql-result.js';
import { SqlRunner, type SqlJob } from '../../server/tools/sql/sql-runner.js';
import { tokenizeSql } from '../../server/tools/sql/sql-tokens.js';
import { ToolError } from '../../server/tools/tool.js';
import { makeSampleFixture, sha256 } from '../data/fixture.js';

/** The layers behind sql_query one by one, so each is shown to hold even if another one slipped. */

const fixture = makeSampleFixture('galaxy-sql-gate-');
const salesFile = join(fixture.dataDir, 'sales.db');
afterAll(() => fixture.cleanup());

function gateMessage(sql: string): string | undefined {
  try {
    checkReadOnlySql(sql);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(ToolError);
    expect((err as ToolError).code).toBe('TOOL_BAD_ARGUMENTS');
    return (err as Error).message;
  }
}

describe('the SQL tokenizer', () => {
  it('drops comments and keeps strings and quoted identifiers whole', () => {
    expect(tokenizeSql("SELECT 'it''s -- not a comment' AS \"a\"\"b\", [x y] -- trailing\n/* block; */;")).toEqual([
      { kind: 'word', text: 'SELECT' },
      { kind: 'string', text: "it's -- not a comment" },
      { kind: 'word', text: 'AS' },
      { kind: 'quoted', text: 'a"b' },
      { kind: 'operator', text: ',' },
      { kind: 'quoted', text: 'x y' },
      { kind: 'semicolon', text: ';' },
    ]);
  });

  it('reads numbers, parameters and non-ASCII identifiers as SQLite does', () => {
    expect(tokenizeSql('SELECT 1e9, .5, 0x1F, ?1, :name, café').map((t) => `${t.kind}:${t.text}`)).toEqual([
      'word:SELECT', 'number:1e9', 'operator:,', 'number:.5', 'operator:,', 'number:0x1F', 'operator:,',
      'param:?1', 'operator:,', 'param::name', 'operator:,', 'word:café',
    ]);
  });
});

describe('the SQL gate', () => {
  it.each([
    'SELECT 1',
    'select * from customers where name = \'DROP TABLE x\'',
    'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 5) SELECT * FROM c',
    "SELECT replace(name, 'a', 'b') FROM customers;;",
    'SELECT "update" FROM t -- a column named like a keyword is fine when quoted',
    "SELECT json_extract('{\"a\":1}', '$.a')",
    'SELECT created_at, updated_by, deleted FROM t',
  ])('lets through: %s', (sql) => {
    expect(gateMessage(sql)).toBeUndefined();
  });

  it.each([
    ['', 'The query is empty.'],
    ['  ;  ', 'The query is empty.'],
    ['-- only a comment', 'The query is empty.'],
    ['SELECT 1; SELECT 2', 'Send exactly one statement per call: nothing may follow the first ";".'],
    ['VALUES (1)', 'Only read-only queries are allowed: the statement must start with SELECT or WITH.'],
    ['ATTACH DATABASE \'x\' AS y', 'ATTACH is not allowed: this tool only runs read-only SELECT queries.'],
    ['SELECT 1 FROM t WHERE x IN (SELECT 1) UNION SELECT 1 INTO y', 'INTO is not allowed: this tool only runs read-only SELECT queries.'],
    ["SELECT * FROM 'Pragma_Database_List'", 'PRAGMA functions are not allowed; to see the schema, query sqlite_schema or call this tool with schema: true.'],
    ['SELECT fts3_tokenizer(\'simple\')', 'fts3_tokenizer is not allowed in this tool.'],
    ['SELECT 1 \u0000', 'The query contains a NUL character.'],
    ['SELECT `unterminated', 'The query could not be read: unterminated quote.'],
    ['SELECT 1 # 2', 'The query could not be read: unexpected character at position 10.'],
  ])('rejects %j with a message that names the rule', (sql, message) => {
    expect(gateMessage(sql)).toBe(message);
  });

  it('never echoes the query, so a path in it cannot come back in the message', () => {
    const message = gateMessage(`ATTACH '${salesFile}' AS s`);
    expect(message).not.toContain(fixture.dataDir);
  });
});

describe('the query process, even if the gate were bypassed', () => {
  const runner = new SqlRunner({ timeoutMs: 2000, maxConcurrent: 2, memoryMb: 512 });
  const job = (sql: string): SqlJob => ({ file: salesFile, sql, maxRows: 10, maxBytes: 10_000, maxCellChars: 100 });
  const before = sha256(salesFile);

  it.each([
    ['ATTACH (readonly but not a reader)', `ATTACH '${join(fixture.dataDir, 'directory.db')}' AS d`],
    ['CREATE TEMP TABLE', 'CREATE TEMP TABLE t (x)'],
    ['INSERT … RETURNING (a reader that writes)', "INSERT INTO products (sku, name, category, unit_price, launched_on) VALUES ('x', 'x', 'x', 1, 'x') RETURNING id"],
    ['BEGIN', 'BEGIN'],
    ['PRAGMA query_only=0', 'PRAGMA query_only=0'],
  ])('refuses %s through reader && readonly', async (_label, sql) => {
    const reply = await runner.run(job(sql), new AbortController().signal);
    expect(reply).toEqual({ ok: false, kind: 'rejected', message: 'Only read-only SELECT queries are allowed.' });
    expect(sha256(salesFile)).toBe(before);
  });

  it('cannot write even through VACUUM INTO', async () => {
    const target = join(fixture.dataDir, 'copy.db');
    const reply = await runner.run(job(`VACUUM INTO '${target}'`), new AbortController().signal);
    expect(reply).toMatchObject({ ok: false, kind: 'rejected' });
    expect(existsSync(target)).toBe(false);
  });

  it('reports load_extension as not authorized', async () => {
    const reply = await runner.run(job("SELECT load_extension('/tmp/evil.so')"), new AbortController().signal);
    expect(reply).toEqual({ ok: false, kind: 'sql', message: 'not authorized' });
  });

  it('refuses several statements at prepare time', async () => {
    const reply = await runner.run(job('SELECT 1; DROP TABLE orders'), new AbortController().signal);
    expect(reply).toMatchObject({ ok: false, kind: 'sql', message: expect.stringMatching(/more than one statement/) });
    expect(sha256(salesFile)).toBe(before);
  });
});

describe('error sanitizing', () => {
  const file = '/srv/galaxy/data/sales.db';

  it('replaces the database path, its directory and its name', () => {
    expect(sanitizeSqlError(`unable to open ${file}`, file)).toBe('unable to open [data source]');
    expect(sanitizeSqlError('disk I/O error in /srv/galaxy/data', file)).toBe('disk I/O error in [data source]');
    expect(sanitizeSqlError('sales.db is locked', file)).toBe('[data source] is locked');
  });

  it('replaces other paths and database-like file names too', () => {
    const text = sanitizeSqlError("cannot open '/home/app/secret/users.db' or C:\\data\\x.sqlite or evil.so", file);
    expect(text).toBe("cannot open '[path]' or [path] or [file]");
  });

  it('keeps ordinary SQL errors readable', () => {
    expect(sanitizeSqlError('near "/": syntax error', file)).toBe('near "/": syntax error');
    expect(sanitizeSqlError('no such column: a.b', file)).toBe('no such column: a.b');
  });
});

import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { ToolOutcome } from '../../server/tools/tool.js';
import { UserLookupTool } from '../../server/tools/user-lookup.js';
import { fakeToolContext, makeSampleFixture, sha256, TOOL_LIMITS } from '../data/fixture.js';

const fixture = makeSampleFixture('galaxy-lookup-');
const directoryFile = join(fixture.dataDir, 'directory.db');
const tool = new UserLookupTool(fixture.catalog);
afterAll(() => fixture.cleanup());

interface PersonRow {
  name: string;
  email: string;
  department: string;
  title: string;
  manager: string | null;
}

/** Ground truth straight from the file, so the tests hold for any seed. */
function directQuery<T>(sql: string, ...params: unknown[]): T[] {
  const db = new Database(directoryFile, { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

const someone = directQuery<PersonRow>(
  `SELECT p.name, p.email, p.department, p.title, m.name AS manager
   FROM people p JOIN people m ON m.id = p.manager_id WHERE p.department = 'Engineering' ORDER BY p.id LIMIT 1 OFFSET 5`,
)[0]!;

function lookup(args: Record<string, unknown>): Promise<ToolOutcome> {
  return tool.execute(JSON.stringify(args), fakeToolContext(['directory']), TOOL_LIMITS);
}

function uiRows(outcome: ToolOutcome): unknown[][] {
  if (!outcome.ok) throw new Error(`expected success, got ${outcome.code}: ${outcome.message}`);
  return (outcome.ui as { rows: unknown[][] } | undefined)?.rows ?? [];
}

describe('user_lookup', () => {
  it('refuses when the directory is not among the chat\'s permitted and selected data sources', async () => {
    const outcome = await tool.execute(JSON.stringify({ query: someone.email }), fakeToolContext(['sales']), TOOL_LIMITS);
    expect(outcome).toMatchObject({ ok: false, code: 'TOOL_FORBIDDEN' });
    expect(JSON.stringify(outcome)).not.toContain(someone.email);
  });

  it('finds a person by exact email, with their manager, as text and a table', async () => {
    const outcome = await lookup({ query: someone.email });
    const rows = uiRows(outcome);
    expect(rows[0]!.slice(0, 5)).toEqual([someone.name, someone.email, someone.department, someone.title, someone.manager]);
    expect(outcome.ok && outcome.content).toContain(`name | email | department | title | manager | location | phone | start_date`);
    expect(outcome.ok && outcome.content).toContain(`${someone.name} | ${someone.email} | ${someone.department}`);
    expect(outcome.ok && outcome.ui).toMatchObject({ type: 'table', columns: ['name', 'email', 'department', 'title', 'manager', 'location', 'phone', 'start_date'] });
  });

  it('matches names case-insensitively', async () => {
    const rows = uiRows(await lookup({ query: someone.name.toUpperCase() }));
    expect(rows.map((r) => r[1])).toContain(someone.email);
  });

  it('requires every word of a multi-word query to match some field', async () => {
    const rows = uiRows(await lookup({ query: 'sales manager', limit: 50 }));
    const expected = directQuery<{ email: string }>(
      `SELECT email FROM people WHERE
         (lower(name) LIKE '%sales%' OR lower(email) LIKE '%sales%' OR lower(department) LIKE '%sales%' OR lower(title) LIKE '%sales%')
         AND (lower(name) LIKE '%manager%' OR lower(email) LIKE '%manager%' OR lower(department) LIKE '%manager%' OR lower(title) LIKE '%manager%')`,
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map((r) => r[1]).sort()).toEqual(expected.map((e) => e.email).sort());
    for (const row of rows) expect(String(row[3]).toLowerCase()).toContain('manager');
  });

  it('finds a whole department and says when it shows only the first matches', async () => {
    const n = directQuery<{ n: number }>("SELECT count(*) AS n FROM people WHERE department = 'Customer Support'")[0]!.n;
    const outcome = await lookup({ query: 'customer support', limit: 5 });
    expect(uiRows(outcome)).toHaveLength(5);
    expect(outcome.ok && outcome.content).toMatch(new RegExp(`^${n} people match "customer support"; showing the first 5`));
    expect(outcome.ok && outcome.ui).toMatchObject({ truncated: true, caption: `Directory: 5 of ${n}` });
  });

  it('treats % and _ as literal characters, not wildcards', async () => {
    for (const query of ['%', '_', 'a%b']) {
      const outcome = await lookup({ query });
      expect(outcome).toMatchObject({ ok: true, content: `No one in the directory matches "${query}".` });
    }
  });

  it('never lets the query into the SQL text', async () => {
    const before = sha256(directoryFile);
    for (const query of ["' OR 1=1 --", '"); DROP TABLE people; --', "x' UNION SELECT sql FROM sqlite_schema --"]) {
      const outcome = await lookup({ query });
      expect(outcome).toMatchObject({ ok: true, content: expect.stringMatching(/^No one in the directory matches/) });
    }
    expect(sha256(directoryFile)).toBe(before);
  });

  it('rejects empty queries, too many words and oversized limits', async () => {
    expect(await lookup({ query: '   ' })).toMatchObject({ ok: false, code: 'TOOL_BAD_ARGUMENTS' });
    expect(await lookup({ query: 'a b c d e f g h i' })).toMatchObject({ ok: false, code: 'TOOL_BAD_ARGUMENTS', message: 'Use at most 8 words.' });
    expect(await lookup({ query: 'alice', limit: 500 })).toMatchObject({ ok: false, code: 'TOOL_BAD_ARGUMENTS' });
  });

  it('explains when the directory data source is not configured', async () => {
    const orphan = new UserLookupTool(fixture.catalog, 'staff');
    const outcome = await orphan.execute(JSON.stringify({ query: 'alice' }), fakeToolContext(['staff']), TOOL_LIMITS);
    expect(outcome).toMatchObject({ ok: false, code: 'TOOL_FAILED', message: 'The company directory is not configured on this server.' });
  });

  it('reports a directory without the expected table without revealing its path', async () => {
    const wrongSchema = new UserLookupTool(fixture.catalog, 'sales');
    const outcome = await wrongSchema.execute(JSON.stringify({ query: 'alice' }), fakeToolContext(['sales']), TOOL_LIMITS);
    expect(outcome).toMatchObject({ ok: false, code: 'TOOL_FAILED' });
    expect(!outcome.ok && outcome.message).toMatch(/^The company directory could not be searched/);
    expect(!outcome.ok && outcome.message).not.toContain(fixture.dataDir);
    expect(!outcome.ok && outcome.message).not.toContain('.db');
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { SqlQueryTool } from '../../server/tools/sql-query.js';
import { TOOL_LIMITS, fakeToolContext, makeSampleFixture } from '../data/fixture.js';

const fixture = makeSampleFixture('galaxy-sql-mem-');
afterAll(() => fixture.cleanup());

describe('sql_query memory cap', () => {
  it('kills a query whose native memory grows past SQL_MEMORY_MB, well before its timeout', async () => {
    const tool = new SqlQueryTool(fixture.catalog, { timeoutMs: 20_000, maxRows: 10, maxBytes: 10_000, memoryMb: 128 });
    const sql =
      'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000) ' +
      'SELECT length(group_concat(hex(randomblob(1000000)))) FROM c';
    const started = Date.now();
    const outcome = await tool.execute(JSON.stringify({ data_source: 'sales', sql }), fakeToolContext(['sales']), TOOL_LIMITS);
    expect(outcome).toMatchObject({ ok: false, code: 'TOOL_FAILED', message: 'The query used more than 128 MB of memory and was stopped.' });
    expect(Date.now() - started).toBeLessThan(20_000);
    const next = await tool.execute(JSON.stringify({ data_source: 'sales', sql: 'SELECT 1 AS one' }), fakeToolContext(['sales']), TOOL_LIMITS);
    expect(next).toMatchObject({ ok: true });
    await tool.stop();
  }, 40_000);
});

import { availableParallelism } from 'node:os';
import { z } from 'zod';
import type { DataSourceCatalog } from '../data/catalog.js';
import { checkReadOnlySql, MAX_SQL_CHARS } from './sql/sql-gate.js';
import { formatQueryResult, formatSchema, sanitizeSqlError, schemaHint } from './sql/sql-result.js';
import { SqlRunner } from './sql/sql-runner.js';
import { Tool, ToolError, type ToolContext, type ToolResult } from './tool.js';

/**
 * sql_query: one read-only SELECT over a data source selected for this chat. Layers, each enough
 * on its own for the attacks it names: the session's data sources (ctx.dataSources, recomputed
 * with the access policy on every call); the SQL gate (one SELECT/WITH, no ATTACH/PRAGMA/VACUUM/
 * writes/transactions/extension loading); a read-only connection whose statement must report
 * `reader && readonly`; a child process killed at the wall-clock limit; row, byte and cell caps;
 * and error messages scrubbed of paths.
 */

const inputSchema = z.object({
  data_source: z.string().min(1).max(100).describe('Id of a data source selected for this chat, e.g. "sales".'),
  sql: z
    .string()
    .max(MAX_SQL_CHARS)
    .optional()
    .describe('Exactly one read-only SQLite query: SELECT … or WITH … SELECT …. Required unless schema is true.'),
  schema: z
    .boolean()
    .optional()
    .describe('true to get the tables and columns of data_source instead of running sql.'),
});

export interface SqlQueryLimits {
  /** Wall-clock limit per query, including starting its process. */
  timeoutMs: number;
  maxRows: number;
  /** Cap on the result's size, measured as UTF-8 text. */
  maxBytes: number;
  /** Resident memory cap of one query process (SQLite allocates natively, outside the JS heap). */
  memoryMb?: number;
  /** Query processes allowed at once; more calls wait for a free one. */
  maxConcurrent?: number;
}

/** One heavy query per core at most, by default: more only makes each one slower. */
const DEFAULT_MAX_CONCURRENT = Math.min(4, Math.max(1, availableParallelism()));
const DEFAULT_MEMORY_MB = 256;
/** Longer texts (documents, blobs-as-text) are cut per cell so one value cannot fill the result. */
const MAX_CELL_CHARS = 2000;
/** The base class's deadline is only a backstop: the runner's own timer kills first, with a clearer message. */
const BACKSTOP_MARGIN_MS = 2000;

export class SqlQueryTool extends Tool<typeof inputSchema> {
  readonly name = 'sql_query';
  readonly inputSchema = inputSchema;
  override readonly timeoutMs: number;
  readonly description: string;
  private readonly runner: SqlRunner;

  constructor(
    private readonly catalog: DataSourceCatalog,
    private readonly limits: SqlQueryLimits,
  ) {
    super();
    this.timeoutMs = limits.timeoutMs + BACKSTOP_MARGIN_MS;
    this.runner = new SqlRunner({ timeoutMs: limits.timeoutMs, maxConcurrent: limits.maxConcurrent ?? DEFAULT_MAX_CONCURRENT, memoryMb: limits.memoryMb ?? DEFAULT_MEMORY_MB });
    this.description =
      'Run one read-only SQLite query (SELECT, or WITH … SELECT) on a data source selected for this chat and get the rows. ' +
      'Pass the data source id as data_source. To see its tables and columns, call with schema: true ' +
      '(querying sqlite_schema works too). SQLite dialect: date(), strftime() and julianday() for dates, || to join text. ' +
      `At most ${limits.maxRows} rows come back, so aggregate or add LIMIT; queries are stopped after ${limits.timeoutMs} ms. ` +
      'Writes, ATTACH, PRAGMA, transactions and several statements in one call are refused.';
  }

  protected async run(input: z.infer<typeof inputSchema>, ctx: ToolContext): Promise<ToolResult> {
    // Never echo the requested id: it is model-chosen text and could carry anything.
    if (!ctx.dataSources.includes(input.data_source) || !this.catalog.has(input.data_source)) {
      const available = ctx.dataSources.filter((id) => this.catalog.has(id));
      throw new ToolError(
        `That data source is not available in this chat. Available: ${available.length > 0 ? available.join(', ') : 'none'}.`,
        'TOOL_FORBIDDEN',
      );
    }
    const source = this.catalog.get(input.data_source)!;
    if (input.schema === true) return formatSchema(source);
    if (input.sql === undefined || input.sql.trim() === '') {
      throw new ToolError('Give a query in sql, or set schema: true to see the tables.', 'TOOL_BAD_ARGUMENTS');
    }
    checkReadOnlySql(input.sql);

    const file = this.catalog.pathOf(source.id);
    ctx.progress?.(`Querying ${source.name}…`);
    const reply = await this.runner.run(
      { file, sql: input.sql, maxRows: this.limits.maxRows, maxBytes: this.limits.maxBytes, maxCellChars: MAX_CELL_CHARS },
      ctx.signal,
    );
    if (!reply.ok) {
      const message = sanitizeSqlError(reply.message, file);
      if (reply.kind === 'rejected') throw new ToolError(message, 'TOOL_BAD_ARGUMENTS');
      throw new ToolError(`SQL error: ${message}.${schemaHint(message, source)}`, 'TOOL_FAILED');
    }
    return formatQueryResult(source.id, reply, this.limits);
  }

  override readiness(): Record<string, unknown> {
    return { isolation: 'one child process per query, killed at the time limit', running: this.runner.running };
  }

  override async stop(): Promise<void> {
    this.runner.stopAll();
  }
}

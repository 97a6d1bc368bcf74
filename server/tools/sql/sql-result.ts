import { basename, dirname } from 'node:path';
import type { DataSourceSummary } from '../../data/catalog.js';
import type { ToolResult } from '../tool.js';
import type { SqlCell } from './sql-runner.js';
import { renderTextTable, tableUi } from './text-table.js';

/** Turns query rows, schemas and SQLite errors into what the model and the page see. */

export interface QueryRows {
  columns: string[];
  rows: SqlCell[][];
  truncated: boolean;
  cellsCut: boolean;
}

export function formatQueryResult(sourceId: string, result: QueryRows, limits: { maxRows: number; maxBytes: number }): ToolResult {
  const count = result.rows.length;
  const notes: string[] = [];
  if (result.truncated) {
    notes.push(
      `[truncated: only the first ${count} rows are shown (limits: ${limits.maxRows} rows, ${limits.maxBytes} bytes). ` +
        'Aggregate, filter or add a LIMIT to see what you need.]',
    );
  }
  if (result.cellsCut) notes.push('[some long text values were cut and end with "…"]');
  const heading = `${count} row${count === 1 ? '' : 's'} from ${sourceId}${result.truncated ? ' (truncated)' : ''}.`;
  const body = count === 0 ? `Columns: ${result.columns.join(', ')}` : renderTextTable(result.columns, result.rows);
  return {
    content: [heading, body, ...notes].join('\n'),
    ui: tableUi(result.columns, result.rows, { truncated: result.truncated, caption: heading.slice(0, -1) }),
  };
}

export function formatSchema(source: DataSourceSummary): ToolResult {
  const lines = source.tables.map(
    (t) => `${t.name}(${t.columns.map((c) => (c.type ? `${c.name} ${c.type}` : c.name)).join(', ')})`,
  );
  const rows = source.tables.flatMap((t) => t.columns.map((c) => [t.name, c.name, c.type]));
  return {
    content: [`Data source ${source.id} (${source.name}), SQLite. Tables and views:`, ...lines].join('\n'),
    ui: tableUi(['table', 'column', 'type'], rows, { truncated: false, caption: `Schema of ${source.id}` }),
  };
}

/** Points the model at the right names when it guessed a table or column. */
export function schemaHint(message: string, source: DataSourceSummary): string {
  if (!/no such (table|column)/i.test(message)) return '';
  return ` Tables in ${source.id}: ${source.tables.map((t) => t.name).join(', ')}. Call with schema: true for the columns.`;
}

const MAX_ERROR_CHARS = 500;

/**
 * SQLite and the OS can mention files in their messages; none of that may reach the model or the
 * page. Known paths are replaced first, then anything that still looks like a path or a file name.
 */
export function sanitizeSqlError(message: string, databaseFile: string): string {
  let text = message;
  const known = [databaseFile, dirname(databaseFile), basename(databaseFile)].sort((a, b) => b.length - a.length);
  for (const secret of known) if (secret.length > 1) text = text.split(secret).join('[data source]');
  text = text
    // An absolute or explicitly relative path starting a word ("I/O" in "disk I/O error" is not one).
    .replace(/(?<=^|[\s'"`=(:,])(?:[A-Za-z]:[\\/]|~[\\/]|\.{1,2}[\\/]|[\\/])[^\s'"`,;()[\]]+/g, '[path]')
    .replace(/[^\s'"`,;()[\]]*\.(?:db|sqlite3?|so|dylib|dll)\b/gi, '[file]');
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS)}…` : text;
}

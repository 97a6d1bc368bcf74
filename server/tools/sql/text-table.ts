import type { ToolUi } from '../ui.js';

/**
 * Rows as the model reads them (a compact pipe table) and as the page shows them (a `table` ui
 * that always fits the ui vocabulary's limits). Shared by sql_query and user_lookup.
 */

export type TableCell = string | number | boolean | null;

// The ui vocabulary's limits (server/tools/ui.ts): a ui that breaks them would be dropped whole.
const UI_MAX_COLUMNS = 100;
const UI_MAX_ROWS = 10_000;
const UI_MAX_COLUMN_NAME = 200;
const UI_MAX_CELL_CHARS = 10_000;
const UI_MAX_CAPTION = 500;

export function renderTextTable(columns: readonly string[], rows: readonly (readonly TableCell[])[]): string {
  const lines = [columns.map(textCell).join(' | ')];
  for (const row of rows) lines.push(row.map(textCell).join(' | '));
  return lines.join('\n');
}

/** One line per cell: the model must be able to tell rows apart, so newlines and pipes are escaped. */
function textCell(cell: TableCell): string {
  if (cell === null) return 'NULL';
  return String(cell).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n|\r/g, '\\n');
}

export function tableUi(
  columns: readonly string[],
  rows: readonly (readonly TableCell[])[],
  options: { truncated: boolean; caption?: string },
): ToolUi {
  const fits = columns.length <= UI_MAX_COLUMNS && rows.length <= UI_MAX_ROWS;
  return {
    type: 'table',
    columns: (columns.length > 0 ? columns : ['(no columns)']).slice(0, UI_MAX_COLUMNS).map((c) => cut(c, UI_MAX_COLUMN_NAME)),
    rows: rows
      .slice(0, UI_MAX_ROWS)
      .map((row) => row.slice(0, UI_MAX_COLUMNS).map((cell) => (typeof cell === 'string' ? cut(cell, UI_MAX_CELL_CHARS) : cell))),
    truncated: options.truncated || !fits,
    ...(options.caption !== undefined ? { caption: cut(options.caption, UI_MAX_CAPTION) } : {}),
  };
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

import Database from 'better-sqlite3';
import { z } from 'zod';
import type { DataSourceCatalog } from '../data/catalog.js';
import { renderTextTable, tableUi, type TableCell } from './sql/text-table.js';
import { Tool, ToolError, type ToolContext, type ToolResult } from './tool.js';

/**
 * user_lookup: finds people in the company directory by name, email, department or title. Every
 * word of the query must match one of those fields (case-insensitive). The SQL text depends only
 * on how many words there are; the words themselves are always bound as parameters.
 *
 * The directory is read through its own read-only connection, opened per call (lookups are tiny,
 * and a rebuilt file is picked up at once). Like every data tool it touches only sources that are
 * permitted AND selected for the chat (ctx.dataSources, checklist 43): being allowed the tool is not
 * enough, a user refused the directory or who deselected it gets no one.
 *
 * Expected schema: people(id, name, email, department, title, manager_id, location, phone, start_date).
 */

const MAX_WORDS = 8;
const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 50;

const inputSchema = z.object({
  query: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .describe('Words to look for in name, email, department or title, e.g. "alice", "sales manager", "bob@example.com".'),
  limit: z.number().int().min(1).max(MAX_LIMIT).optional().describe(`Most people to return (default ${DEFAULT_LIMIT}).`),
});

const COLUMNS = ['name', 'email', 'department', 'title', 'manager', 'location', 'phone', 'start_date'] as const;

/** One word must appear in one of the searchable fields. */
const WORD_MATCH =
  "(lower(p.name) LIKE ? ESCAPE '\\' OR lower(p.email) LIKE ? ESCAPE '\\' " +
  "OR lower(p.department) LIKE ? ESCAPE '\\' OR lower(p.title) LIKE ? ESCAPE '\\')";
const FIELDS_PER_WORD = 4;

function searchSql(wordCount: number): { select: string; count: string } {
  const where = Array.from({ length: wordCount }, () => WORD_MATCH).join(' AND ');
  return {
    // Exact email or name matches first, then alphabetical.
    select: `SELECT p.name, p.email, p.department, p.title, m.name AS manager, p.location, p.phone, p.start_date
             FROM people p LEFT JOIN people m ON m.id = p.manager_id
             WHERE ${where}
             ORDER BY (lower(p.email) = ?) DESC, (lower(p.name) = ?) DESC, p.name, p.id
             LIMIT ?`,
    count: `SELECT count(*) FROM people p WHERE ${where}`,
  };
}

/** `%` and `_` in a search word are literal characters, not wildcards. */
function containsPattern(word: string): string {
  return `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export class UserLookupTool extends Tool<typeof inputSchema> {
  readonly name = 'user_lookup';
  readonly description =
    'Find people in the company directory by name, email, department or title. Every word of the query must match ' +
    '(case-insensitive), so "sales manager" finds sales managers. Returns name, email, department, title, manager, ' +
    'location, phone and start date.';
  readonly inputSchema = inputSchema;

  constructor(
    private readonly catalog: DataSourceCatalog,
    private readonly directoryId = 'directory',
  ) {
    super();
  }

  protected async run(input: z.infer<typeof inputSchema>, ctx: ToolContext): Promise<ToolResult> {
    if (!ctx.dataSources.includes(this.directoryId)) {
      throw new ToolError(`The company directory (data source "${this.directoryId}") is not available in this chat.`, 'TOOL_FORBIDDEN');
    }
    const words = [...new Set(input.query.toLowerCase().split(/\s+/).filter(Boolean))];
    if (words.length > MAX_WORDS) throw new ToolError(`Use at most ${MAX_WORDS} words.`, 'TOOL_BAD_ARGUMENTS');
    if (!this.catalog.has(this.directoryId)) throw new ToolError('The company directory is not configured on this server.');
    const limit = input.limit ?? DEFAULT_LIMIT;
    const exact = input.query.toLowerCase();
    const wordParams = words.flatMap((w) => Array<string>(FIELDS_PER_WORD).fill(containsPattern(w)));

    const { rows, total } = this.search(words.length, wordParams, exact, limit);
    const shown = `"${input.query}"`;
    if (rows.length === 0) return { content: `No one in the directory matches ${shown}.` };
    const heading =
      total > rows.length
        ? `${total} people match ${shown}; showing the first ${rows.length} (ask with a larger limit or more words to narrow it).`
        : `${total} ${total === 1 ? 'person matches' : 'people match'} ${shown}.`;
    return {
      content: `${heading}\n${renderTextTable(COLUMNS, rows)}`,
      ui: tableUi(COLUMNS, rows, { truncated: total > rows.length, caption: `Directory: ${rows.length} of ${total}` }),
    };
  }

  private search(wordCount: number, wordParams: string[], exact: string, limit: number): { rows: TableCell[][]; total: number } {
    let db: Database.Database | undefined;
    try {
      db = new Database(this.catalog.pathOf(this.directoryId), { readonly: true, fileMustExist: true });
      const sql = searchSql(wordCount);
      const rows = db.prepare(sql.select).raw(true).all(...wordParams, exact, exact, limit) as TableCell[][];
      const total = db.prepare(sql.count).pluck().get(...wordParams) as number;
      return { rows, total };
    } catch (err) {
      // The operator's directory may not have the expected columns; say so without any file path.
      const code = (err as { code?: string }).code ?? 'error';
      throw new ToolError(`The company directory could not be searched (${code}); it needs a people table with the expected columns.`);
    } finally {
      db?.close();
    }
  }
}

import { ToolError } from '../tool.js';
import { SqlLexError, tokenizeSql, type SqlToken } from './sql-tokens.js';

/**
 * The first of two gates in front of a query (the second is `stmt.reader && stmt.readonly` in the
 * worker). A read-only connection is not a read-only sandbox: ATTACH, VACUUM INTO and many PRAGMAs
 * pass `readonly` and can read other files, write new ones or reveal paths. So only one SELECT or
 * WITH statement passes, and the keywords and functions that reach outside the data are refused
 * wherever they appear. Messages name our rule, never echo the query, so they cannot carry a path.
 */

/** Statement keywords that change data, schema, transactions, connections or files. */
const FORBIDDEN_KEYWORDS = new Set([
  'ATTACH', 'DETACH', 'PRAGMA', 'VACUUM', 'BEGIN', 'COMMIT', 'ROLLBACK', 'SAVEPOINT', 'RELEASE', 'TRANSACTION',
  'CREATE', 'INSERT', 'UPDATE', 'DELETE', 'DROP', 'REPLACE', 'ALTER', 'REINDEX', 'ANALYZE', 'INTO',
]);

/**
 * Functions and eponymous tables that load code, read raw pages or files, or (pragma_*, e.g.
 * pragma_database_list) reveal the server's paths. Checked in bare, quoted and single-quoted form,
 * because SQLite accepts `FROM 'pragma_database_list'` as a table name.
 */
const FORBIDDEN_NAMES = new Set([
  'load_extension', 'fts3_tokenizer', 'sqlite_dbpage', 'sqlite_dbdata', 'sqlite_dbptr', 'readfile', 'writefile', 'fsdir',
]);
const FORBIDDEN_NAME_PREFIX = 'pragma_';

export const MAX_SQL_CHARS = 20_000;

const reject = (message: string): never => {
  throw new ToolError(message, 'TOOL_BAD_ARGUMENTS');
};

/** Throws a TOOL_BAD_ARGUMENTS ToolError unless `sql` is exactly one read-only SELECT/WITH query. */
export function checkReadOnlySql(sql: string): void {
  if (sql.length > MAX_SQL_CHARS) reject(`The query is too long (at most ${MAX_SQL_CHARS} characters).`);
  // NUL ends a string for SQLite's C API, so text after it would be seen by us but not by SQLite.
  if (sql.includes('\0')) reject('The query contains a NUL character.');

  let tokens: SqlToken[];
  try {
    tokens = tokenizeSql(sql);
  } catch (err) {
    if (err instanceof SqlLexError) return reject(`The query could not be read: ${err.message}.`);
    throw err;
  }

  const firstSemicolon = tokens.findIndex((t) => t.kind === 'semicolon');
  const statement = firstSemicolon === -1 ? tokens : tokens.slice(0, firstSemicolon);
  if (statement.length === 0) reject('The query is empty.');
  if (tokens.slice(statement.length).some((t) => t.kind !== 'semicolon')) {
    reject('Send exactly one statement per call: nothing may follow the first ";".');
  }

  // Named refusals first (they tell the model exactly what is not allowed), then the allow-list.
  for (const [index, token] of statement.entries()) {
    if (token.kind === 'word') {
      const keyword = token.text.toUpperCase();
      // replace(x, y, z) is the string function; REPLACE INTO is a write.
      const next = statement[index + 1];
      const isReplaceFunction = keyword === 'REPLACE' && next?.kind === 'operator' && next.text === '(';
      if (FORBIDDEN_KEYWORDS.has(keyword) && !isReplaceFunction) {
        reject(`${keyword} is not allowed: this tool only runs read-only SELECT queries.`);
      }
    }
    if (token.kind === 'word' || token.kind === 'quoted' || token.kind === 'string') {
      const name = token.text.trim().toLowerCase();
      if (name.startsWith(FORBIDDEN_NAME_PREFIX)) {
        reject('PRAGMA functions are not allowed; to see the schema, query sqlite_schema or call this tool with schema: true.');
      }
      if (FORBIDDEN_NAMES.has(name)) reject(`${name} is not allowed in this tool.`);
    }
  }

  const first = statement[0]!;
  const firstWord = first.kind === 'word' ? first.text.toUpperCase() : '';
  if (firstWord !== 'SELECT' && firstWord !== 'WITH') {
    reject('Only read-only queries are allowed: the statement must start with SELECT or WITH.');
  }
}

/**
 * A tokenizer that follows SQLite's own lexical rules closely enough to gate queries: comments and
 * whitespace are dropped, and string literals and quoted identifiers are kept whole, so a keyword
 * hidden in a comment or a string is never mistaken for one in the statement (and vice versa).
 * Anything SQLite itself would not tokenize is refused rather than guessed at.
 */

export type SqlTokenKind = 'word' | 'quoted' | 'string' | 'number' | 'param' | 'operator' | 'semicolon';

export interface SqlToken {
  kind: SqlTokenKind;
  /** For `quoted` and `string`, the unescaped content; otherwise the source text. */
  text: string;
}

export class SqlLexError extends Error {}

// SQLite treats every byte >= 0x80 as an identifier character, i.e. every non-ASCII character.
const WORD = /[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/y;
const NUMBER = /(?:0[xX][0-9A-Fa-f_]+|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?)/y;
const PARAM = /(?:\?\d*|[:@$][A-Za-z0-9_\u0080-\uffff]+)/y;
/** Exactly SQLite's whitespace: vertical tab and other controls are illegal there, so here too. */
const SPACE = new Set([' ', '\t', '\n', '\f', '\r']);
const OPERATOR_CHARS = new Set([...'(),.+-*/%<>=!&|~']);
const CLOSING_QUOTE: Record<string, string> = { "'": "'", '"': '"', '`': '`', '[': ']' };

export function tokenizeSql(sql: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  let i = 0;
  const matchAt = (re: RegExp): string | undefined => {
    re.lastIndex = i;
    return re.exec(sql)?.[0];
  };
  while (i < sql.length) {
    const ch = sql[i]!;
    if (SPACE.has(ch)) {
      i++;
    } else if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (sql.startsWith('/*', i)) {
      // An unterminated block comment runs to the end of the input, as in SQLite.
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else if (ch in CLOSING_QUOTE) {
      const [text, next] = readQuoted(sql, i, CLOSING_QUOTE[ch]!);
      tokens.push({ kind: ch === "'" ? 'string' : 'quoted', text });
      i = next;
    } else if (ch === ';') {
      tokens.push({ kind: 'semicolon', text: ';' });
      i++;
    } else {
      const number = /[\d.]/.test(ch) ? matchAt(NUMBER) : undefined;
      const word = number ? undefined : matchAt(WORD);
      const param = number || word ? undefined : matchAt(PARAM);
      const text = number ?? word ?? param ?? (OPERATOR_CHARS.has(ch) ? ch : undefined);
      if (text === undefined) throw new SqlLexError(`unexpected character at position ${i + 1}`);
      tokens.push({ kind: number ? 'number' : word ? 'word' : param ? 'param' : 'operator', text });
      i += text.length;
    }
  }
  return tokens;
}

/** Reads a quoted run starting at `start`; a doubled closing quote is an escaped one (not for [..]). */
function readQuoted(sql: string, start: number, close: string): [text: string, next: number] {
  let text = '';
  let i = start + 1;
  for (;;) {
    const end = sql.indexOf(close, i);
    if (end === -1) throw new SqlLexError('unterminated quote');
    text += sql.slice(i, end);
    if (close !== ']' && sql[end + 1] === close) {
      text += close;
      i = end + 2;
      continue;
    }
    return [text, end + 1];
  }
}

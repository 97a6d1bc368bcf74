import { CONVERSATION_COLUMNS, toConversation, type ConversationRow } from './sqlite-rows.js';
import { ownerKey, prepared, type SqliteDb } from './sqlite-connection.js';
import type { SearchHit } from './store.js';

// search_index columns: 0 conversation_pk, 1 owner_key, 2 title, 3 body. A title hit weighs more.
const RANK = 'bm25(search_index, 0, 0, 5, 1)';
const SNIPPET_TOKENS = 12;
const MAX_TERMS = 12;
/**
 * bm25 costs about a microsecond per matching row, so a word found in nearly every message of a heavy
 * user (500,000 messages) would blow the 50 ms budget. Only the newest this-many matching messages,
 * and as many of the newest matching titles, are ranked; rarer words are ranked in full.
 */
export const SEARCH_CANDIDATES = 500;

/**
 * Turns what a person typed into a safe FTS5 query: words only, each quoted (so FTS operators and
 * quotes in the input are plain text), all required, restricted to the owner's rows.
 */
export function ftsQuery(owner: string, q: string): string | undefined {
  const terms = (q.match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, MAX_TERMS);
  if (terms.length === 0) return undefined;
  return `owner_key : "${ownerKey(owner)}" AND {title body} : (${terms.map((t) => `"${t}"`).join(' ')})`;
}

/**
 * Indexes one title (rowid -pk) or message text (rowid messages.pk). `replacing`: the row may exist
 * already (a rename, a final answer over its partial text); a new row skips the delete, half the cost.
 */
export function indexDocument(db: SqliteDb, rowid: number, conversationPk: number, owner: string, field: 'title' | 'body', text: string, replacing: boolean): void {
  if (replacing) prepared(db, 'DELETE FROM search_index WHERE rowid = ?').run(rowid);
  prepared(db, 'INSERT INTO search_index (rowid, conversation_pk, owner_key, title, body) VALUES (?, ?, ?, ?, ?)').run(
    rowid,
    conversationPk,
    ownerKey(owner),
    field === 'title' ? text : '',
    field === 'body' ? text : '',
  );
}

/** Removes a conversation's title and message rows from the index, found by key. */
export function unindexConversation(db: SqliteDb, conversationPk: number): void {
  prepared(db, 'DELETE FROM search_index WHERE rowid IN (SELECT pk FROM messages WHERE conversation_pk = ?) OR rowid = ?').run(conversationPk, -conversationPk);
}

/** The rowid where the newest SEARCH_CANDIDATES matching messages (DESC) or titles (ASC) begin. */
function candidateBound(db: SqliteDb, match: string, order: 'DESC' | 'ASC'): number | undefined {
  const sql = `SELECT rowid AS id FROM search_index WHERE search_index MATCH ? AND rowid ${order === 'DESC' ? '> 0' : '< 0'}
    ORDER BY rowid ${order} LIMIT 1 OFFSET ?`;
  return (prepared(db, sql).get(match, SEARCH_CANDIDATES - 1) as { id: number } | undefined)?.id;
}

export function searchConversations(db: SqliteDb, owner: string, q: string, limit: number): SearchHit[] {
  const match = ftsQuery(owner, q);
  if (!match) return [];
  // Messages have positive rowids in insertion order, titles negative ones (newest most negative);
  // walking an FTS5 doclist by rowid is cheap, ranking is not.
  const floor = candidateBound(db, match, 'DESC') ?? 1;
  const ceiling = candidateBound(db, match, 'ASC') ?? -1;
  // Best row per conversation (SQLite pairs the bare rowid with the MIN). MATERIALIZED: bm25() only
  // works in the MATCH query itself, not in an aggregate flattened into it.
  const best = prepared(
    db,
    `WITH hits AS MATERIALIZED (
       SELECT conversation_pk AS cpk, ${RANK} AS score, rowid AS best FROM search_index WHERE search_index MATCH @match AND rowid >= @floor
       UNION ALL
       SELECT conversation_pk AS cpk, ${RANK} AS score, rowid AS best FROM search_index WHERE search_index MATCH @match AND rowid <= @ceiling
     ) SELECT cpk, MIN(score) AS score, best FROM hits GROUP BY cpk ORDER BY score LIMIT @limit`,
  ).all({ match, floor, ceiling, limit }) as { cpk: number; score: number; best: number }[];
  if (best.length === 0) return [];
  const marks = best.map(() => '?').join(',');
  // snippet() is the expensive part: built only for the rows returned.
  const snippetSql = `SELECT rowid AS id, snippet(search_index, CASE WHEN rowid < 0 THEN 2 ELSE 3 END, '', '', '…', ${SNIPPET_TOKENS}) AS snippet
    FROM search_index WHERE search_index MATCH ? AND rowid IN (${marks})`;
  const snippetRows = prepared(db, snippetSql).all(match, ...best.map((b) => b.best)) as { id: number; snippet: string }[];
  const snippets = new Map(snippetRows.map((r) => [r.id, r.snippet]));
  // The owner token narrows the search; this join is what actually enforces ownership.
  const conversationSql = `SELECT ${CONVERSATION_COLUMNS} FROM conversations c WHERE c.owner = ? AND c.pk IN (${marks})`;
  const rows = prepared(db, conversationSql).all(owner.toLowerCase(), ...best.map((b) => b.cpk)) as ConversationRow[];
  const conversations = new Map(rows.map((row) => [row.pk, toConversation(row)]));
  return best.flatMap((b) => {
    const conversation = conversations.get(b.cpk);
    return conversation ? [{ conversation, snippet: snippets.get(b.best) ?? '', rank: -b.score }] : [];
  });
}

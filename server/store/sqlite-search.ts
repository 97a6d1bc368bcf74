import { CONVERSATION_COLUMNS, toConversation, type ConversationRow } from './sqlite-rows.js';
import { ownerKey, prepared, type SqliteDb } from './sqlite-connection.js';
import { searchTerms, snippetOf } from './search-text.js';
import type { SearchHit } from './store.js';

// Re-exported: tests and callers have always found it here.
export { snippetOf };

// search_index columns: 0 conversation_pk, 1 owner_key, 2 title, 3 body. A title hit weighs more.
const RANK = 'bm25(search_index, 0, 0, 5, 1)';
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
export function ftsQuery(owner: string, q: string): { owned: string; words: string; terms: string[] } | undefined {
  const terms = searchTerms(q);
  if (terms.length === 0) return undefined;
  const words = `{title body} : (${terms.map((t) => `"${t}"`).join(' ')})`;
  return { owned: `owner_key : "${ownerKey(owner)}" AND ${words}`, words, terms };
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

/** The rowid where the owner's newest SEARCH_CANDIDATES matching messages (DESC) or titles (ASC) begin. */
function candidateBound(db: SqliteDb, owned: string, order: 'DESC' | 'ASC'): number | undefined {
  const sql = `SELECT rowid AS id FROM search_index WHERE search_index MATCH ? AND rowid ${order === 'DESC' ? '> 0' : '< 0'}
    ORDER BY rowid ${order} LIMIT ?`;
  return (prepared(db, sql).all(owned, SEARCH_CANDIDATES) as { id: number }[]).at(-1)?.id;
}

export function searchConversations(db: SqliteDb, owner: string, q: string, limit: number): SearchHit[] {
  const query = ftsQuery(owner, q);
  if (!query) return [];
  // Stage 1 walks the owner's matches by rowid (cheap) to find the range holding the newest candidates.
  // Messages have positive rowids in insertion order, titles negative ones (newest most negative).
  const floor = candidateBound(db, query.owned, 'DESC') ?? Number.MAX_SAFE_INTEGER;
  const ceiling = candidateBound(db, query.owned, 'ASC') ?? Number.MIN_SAFE_INTEGER;
  // Stage 2 ranks that range WITHOUT the owner token: bm25 decodes every phrase of every row, and the
  // owner phrase made it ~10x slower (measured); other people's rows in the range are dropped by pk.
  // SQLite pairs the bare rowid with the MIN. MATERIALIZED: bm25() only works in the MATCH query
  // itself, not in an aggregate flattened into it.
  const mine = 'conversation_pk IN (SELECT pk FROM conversations WHERE owner = @owner)';
  const best = prepared(
    db,
    `WITH hits AS MATERIALIZED (
       SELECT conversation_pk AS cpk, ${RANK} AS score, rowid AS best FROM search_index WHERE search_index MATCH @match AND rowid >= @floor AND ${mine}
       UNION ALL
       SELECT conversation_pk AS cpk, ${RANK} AS score, rowid AS best FROM search_index WHERE search_index MATCH @match AND rowid <= @ceiling AND ${mine}
     ) SELECT cpk, MIN(score) AS score, best FROM hits GROUP BY cpk ORDER BY score LIMIT @limit`,
  ).all({ match: query.words, floor, ceiling, owner: owner.toLowerCase(), limit }) as { cpk: number; score: number; best: number }[];
  if (best.length === 0) return [];
  const marks = best.map(() => '?').join(',');
  // Snippets are cut here from the stored text: FTS5's snippet() with `rowid IN (...)` re-runs the
  // MATCH once per id, which cost milliseconds per hit for a common word (measured).
  const messageIds = best.filter((b) => b.best > 0).map((b) => b.best);
  const texts = new Map(
    messageIds.length === 0
      ? []
      : (prepared(db, `SELECT pk, text FROM messages WHERE pk IN (${messageIds.map(() => '?').join(',')})`).all(...messageIds) as { pk: number; text: string }[]).map(
          (r) => [r.pk, r.text],
        ),
  );
  // Ownership was filtered above; this read checks it once more with the conversation it returns.
  const conversationSql = `SELECT ${CONVERSATION_COLUMNS} FROM conversations c WHERE c.owner = ? AND c.pk IN (${marks})`;
  const rows = prepared(db, conversationSql).all(owner.toLowerCase(), ...best.map((b) => b.cpk)) as ConversationRow[];
  const conversations = new Map(rows.map((row) => [row.pk, toConversation(row)]));
  return best.flatMap((b) => {
    const conversation = conversations.get(b.cpk);
    const text = b.best < 0 ? conversation?.title : texts.get(b.best);
    return conversation ? [{ conversation, snippet: snippetOf(text ?? '', query.terms), rank: -b.score }] : [];
  });
}

import { CONVERSATION_COLUMNS, toConversation, type ConversationRow } from './sqlite-rows.js';
import { ownerKey, prepared, type SqliteDb } from './sqlite-connection.js';
import type { SearchHit } from './store.js';

// search_index columns: 0 conversation_pk, 1 owner_key, 2 title, 3 body. A title hit weighs more.
const RANK = 'bm25(search_index, 0, 0, 5, 1)';
const SNIPPET_TOKENS = 12;
const MAX_TERMS = 12;

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

export function searchConversations(db: SqliteDb, owner: string, q: string, limit: number): SearchHit[] {
  const match = ftsQuery(owner, q);
  if (!match) return [];
  // Best row per conversation first (SQLite pairs the bare rowid with the MIN); snippets are built only
  // for the few rows returned, since snippet() is the expensive part.
  const best = prepared(db, 
      // MATERIALIZED: bm25() only works in the MATCH query itself, not in an aggregate flattened into it.
      `WITH hits AS MATERIALIZED (
         SELECT conversation_pk AS cpk, ${RANK} AS score, rowid AS best FROM search_index WHERE search_index MATCH ?
       ) SELECT cpk, MIN(score) AS score, best FROM hits GROUP BY cpk ORDER BY score LIMIT ?`,
    )
    .all(match, limit) as { cpk: number; score: number; best: number }[];
  if (best.length === 0) return [];
  const marks = best.map(() => '?').join(',');
  const snippets = new Map(
    (
      prepared(db, 
          `SELECT rowid AS id, snippet(search_index, CASE WHEN rowid < 0 THEN 2 ELSE 3 END, '', '', '…', ${SNIPPET_TOKENS}) AS snippet
           FROM search_index WHERE search_index MATCH ? AND rowid IN (${marks})`,
        )
        .all(match, ...best.map((b) => b.best)) as { id: number; snippet: string }[]
    ).map((r) => [r.id, r.snippet]),
  );
  // The owner token narrows the search; this join is what actually enforces ownership.
  const conversations = new Map(
    (
      prepared(db, `SELECT ${CONVERSATION_COLUMNS} FROM conversations c WHERE c.owner = ? AND c.pk IN (${marks})`).all(
        owner.toLowerCase(),
        ...best.map((b) => b.cpk),
      ) as ConversationRow[]
    ).map((row) => [row.pk, toConversation(row)]),
  );
  return best.flatMap((b) => {
    const conversation = conversations.get(b.cpk);
    return conversation ? [{ conversation, snippet: snippets.get(b.best) ?? '', rank: -b.score }] : [];
  });
}

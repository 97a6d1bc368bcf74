import { CONVERSATION_COLUMNS, toConversation, type ConversationRow } from './sqlite-rows.js';
import { ownerKey, prepared, type SqliteDb } from './sqlite-connection.js';
import type { SearchHit } from './store.js';
import { foldWord, searchTerms, snippetOf } from './search-text.js';

// Re-exported: tests and callers have always found it here.
export { snippetOf };
/**
 * Only the owner's newest this-many matching messages, and as many of the newest matching titles,
 * are ranked: a word found in nearly every message of a heavy user (500,000 messages) cannot all be
 * scored within the 50 ms budget. Rarer words are ranked in full.
 */
export const SEARCH_CANDIDATES = 500;
// A title hit weighs this many body hits, as bm25(search_index, 0, 0, 5, 1) did.
const TITLE_WEIGHT = 5;
// BM25's usual constants: term-frequency saturation and document-length normalisation.
const K1 = 1.2;
const B = 0.75;

/**
 * Turns what a person typed into a safe FTS5 query: words only, each quoted (so FTS operators and
 * quotes in the input are plain text), all required, restricted to the owner's rows.
 */
export function ftsQuery(owner: string, q: string): { owned: string; terms: string[] } | undefined {
  const terms = searchTerms(q);
  if (terms.length === 0) return undefined;
  const words = `{title body} : (${terms.map((t) => `"${t}"`).join(' ')})`;
  return { owned: `owner_key : "${ownerKey(owner)}" AND ${words}`, terms };
}

/**
 * The token a partial answer's index row carries in its owner_key column (the only column searches
 * never match words in, and owner keys are `o` + hex, so it names nothing else): the row's text may
 * have grown since it was indexed. indexPartialAnswers() finds these rows by it, through the index.
 */
const PARTIAL_MARK = 'partial';
export const PARTIAL_QUERY = `owner_key : "${PARTIAL_MARK}"`;

/**
 * Indexes one title (rowid -pk) or message text (rowid messages.pk). `replacing`: the row may exist
 * already (a rename, a final answer over its partial text); a new row skips the delete, half the cost.
 * `partial`: the text is still growing; the row is marked so that it is indexed again if no final save comes.
 */
export function indexDocument(
  db: SqliteDb, rowid: number, conversationPk: number, owner: string, field: 'title' | 'body', text: string, replacing: boolean, partial = false,
): void {
  if (replacing) prepared(db, 'DELETE FROM search_index WHERE rowid = ?').run(rowid);
  prepared(db, 'INSERT INTO search_index (rowid, conversation_pk, owner_key, title, body) VALUES (?, ?, ?, ?, ?)').run(
    rowid,
    conversationPk,
    partial ? `${ownerKey(owner)} ${PARTIAL_MARK}` : ownerKey(owner),
    field === 'title' ? text : '',
    field === 'body' ? text : '',
  );
}

/** Whether a message's index row is marked partial (read by rowid from the index's own content table). */
export function isMarkedPartial(db: SqliteDb, rowid: number): boolean {
  const row = prepared(db, 'SELECT owner_key FROM search_index WHERE rowid = ?').get(rowid) as { owner_key: string } | undefined;
  return row?.owner_key.endsWith(` ${PARTIAL_MARK}`) ?? false;
}

/** Removes a conversation's title and message rows from the index, found by key. */
export function unindexConversation(db: SqliteDb, conversationPk: number): void {
  prepared(db, 'DELETE FROM search_index WHERE rowid IN (SELECT pk FROM messages WHERE conversation_pk = ?) OR rowid = ?').run(conversationPk, -conversationPk);
}

const fold = foldWord;
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * Words as FTS5's unicode61 tokenizer (remove_diacritics) sees them, folded. Plain ASCII text, the
 * common case, skips Unicode normalisation and property classes (measured ~1.7x faster on 500 answers).
 */
function tokenize(text: string): string[] {
  if (NON_ASCII.test(text)) return fold(text).match(/[\p{L}\p{N}]+/gu) ?? [];
  return text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
}

interface Candidate {
  rowid: number;
  cpk: number;
  text: string;
  field: 'title' | 'body';
}

/**
 * The owner's newest SEARCH_CANDIDATES matching messages (positive rowids, in insertion order) and
 * titles (negative rowids, newest most negative), found by walking the index in rowid order: FTS5
 * stops after LIMIT rows, however common the word. The texts come from the tables, not the index.
 */
function candidates(db: SqliteDb, owned: string): Candidate[] {
  const messages = prepared(
    db,
    `SELECT m.pk AS rowid, m.conversation_pk AS cpk, m.text AS text FROM messages m JOIN (
       SELECT rowid AS id FROM search_index WHERE search_index MATCH @match AND rowid > 0 ORDER BY rowid DESC LIMIT @take
     ) hit ON m.pk = hit.id`,
  ).all({ match: owned, take: SEARCH_CANDIDATES }) as Omit<Candidate, 'field'>[];
  const titles = prepared(
    db,
    `SELECT -c.pk AS rowid, c.pk AS cpk, c.title AS text FROM conversations c JOIN (
       SELECT rowid AS id FROM search_index WHERE search_index MATCH @match AND rowid < 0 ORDER BY rowid ASC LIMIT @take
     ) hit ON c.pk = -hit.id`,
  ).all({ match: owned, take: SEARCH_CANDIDATES }) as Omit<Candidate, 'field'>[];
  return [...messages.map((m) => ({ ...m, field: 'body' as const })), ...titles.map((t) => ({ ...t, field: 'title' as const }))];
}

/**
 * BM25 over the candidates, computed here rather than with FTS5's bm25(): that function first counts
 * every row holding each phrase in the WHOLE index (its document frequency), ~500,000 rows for a
 * common word, which alone took ~100 ms per phrase (measured). Every candidate holds every term
 * (they are ANDed), so the inverse document frequency is the same for all of them and left out:
 * for one word the order is exactly bm25's; for several, each term counts alike.
 */
function scoreAll(found: Candidate[], terms: string[]): Map<Candidate, number> {
  const wanted = new Set(terms.map(fold));
  const counted = found.map((c) => {
    const tokens = tokenize(c.text);
    const tf = new Map<string, number>();
    for (const token of tokens) if (wanted.has(token)) tf.set(token, (tf.get(token) ?? 0) + 1);
    return { c, length: tokens.length, tf };
  });
  const averageLength = counted.reduce((sum, d) => sum + d.length, 0) / Math.max(1, counted.length) || 1;
  const scores = new Map<Candidate, number>();
  for (const { c, length, tf } of counted) {
    const norm = K1 * (1 - B + (B * length) / averageLength);
    let score = 0;
    for (const n of tf.values()) score += (n * (K1 + 1)) / (n + norm);
    scores.set(c, score * (c.field === 'title' ? TITLE_WEIGHT : 1));
  }
  return scores;
}

export function searchConversations(db: SqliteDb, owner: string, q: string, limit: number): SearchHit[] {
  const query = ftsQuery(owner, q);
  if (!query) return [];
  const found = candidates(db, query.owned);
  const scores = scoreAll(found, query.terms);
  // Each conversation is ranked by its best row; ties go to the newer row.
  const best = new Map<number, { row: Candidate; score: number }>();
  for (const row of found) {
    const score = scores.get(row) ?? 0;
    const held = best.get(row.cpk);
    if (!held || score > held.score || (score === held.score && Math.abs(row.rowid) > Math.abs(held.row.rowid))) best.set(row.cpk, { row, score });
  }
  const top = [...best.values()].sort((a, b) => b.score - a.score || b.row.cpk - a.row.cpk).slice(0, limit);
  if (top.length === 0) return [];
  // The owner token in MATCH chose the rows; this read checks ownership once more with the conversation it returns.
  const conversationSql = `SELECT ${CONVERSATION_COLUMNS} FROM conversations c WHERE c.owner = ? AND c.pk IN (${top.map(() => '?').join(',')})`;
  const rows = prepared(db, conversationSql).all(owner.toLowerCase(), ...top.map((t) => t.row.cpk)) as ConversationRow[];
  const conversations = new Map(rows.map((row) => [row.pk, toConversation(row)]));
  return top.flatMap(({ row, score }) => {
    const conversation = conversations.get(row.cpk);
    return conversation ? [{ conversation, snippet: snippetOf(row.text, query.terms), rank: score }] : [];
  });
}

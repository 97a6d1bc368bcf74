import { createHash } from 'node:crypto';
import { foldWord, searchTerms, snippetOf } from '../search-text.js';
import type { SearchHit } from '../store.js';
import type { PgQueryable } from './connection.js';
import { CONVERSATION_COLUMNS, toConversation, type PgConversationRow } from './rows.js';

/**
 * Full-text search on PostgreSQL's own tsvector/tsquery with GIN indexes. The text is split into
 * words and accent-folded here, with the same rules as SQLite's tokenizer (../search-text.ts), and
 * indexed with the 'simple' configuration (no stemming, no stop words), so both stores find the same
 * conversations for the same words whatever the database's locale.
 */

/**
 * Ranking is the costly part for a very common word, so only the newest this-many matching messages,
 * and as many of the newest matching titles, are ranked, as in the SQLite store.
 */
export const SEARCH_CANDIDATES = 500;
// A tsvector is capped at 1 MB; an answer longer than this is indexed by its beginning.
const MAX_INDEXED_CHARS = 200_000;

/**
 * One opaque lexeme per owner, added to every vector and required by every query: the GIN index then
 * only returns the owner's rows. Ownership is still checked against conversations.owner when read.
 */
export function ownerLexeme(owner: string): string {
  return `o${createHash('sha256').update(owner.toLowerCase()).digest('hex').slice(0, 24)}`;
}

/** The words to index: folded, space-separated, the owner's lexeme first. */
export function indexedText(owner: string, text: string): string {
  const words = (text.slice(0, MAX_INDEXED_CHARS).match(/[\p{L}\p{N}]+/gu) ?? []).map(foldWord);
  return [ownerLexeme(owner), ...words].join(' ');
}

/** SQL for a title's vector from indexedText() in parameter $n: weight A, so a title match ranks first. */
export const titleVector = (n: number): string => `setweight(to_tsvector('simple', $${n}), 'A')`;
/** SQL for a message's vector from indexedText() in parameter $n. */
export const bodyVector = (n: number): string => `to_tsvector('simple', $${n})`;

/**
 * A partial answer's vector carries this lexeme besides its words: its text may have grown since it
 * was indexed. A query's words are letters and digits only, so no search can ask for it; the GIN
 * index finds the marked rows for indexPartialAnswers().
 */
const PARTIAL_LEXEME = `'~partial'`;
export const partialBodyVector = (n: number): string => `(${bodyVector(n)} || ${PARTIAL_LEXEME}::tsvector)`;
export const MARKED_PARTIAL = `body_search @@ ${PARTIAL_LEXEME}::tsquery`;

interface HitRow extends PgConversationRow {
  score: number;
  best_text: string | null;
}

export async function searchConversations(db: PgQueryable, owner: string, q: string, limit: number): Promise<SearchHit[]> {
  const terms = searchTerms(q);
  if (terms.length === 0) return [];
  // plainto_tsquery ANDs the words; they are letters and digits only, so nothing in them is syntax.
  const query = [ownerLexeme(owner), ...terms.map(foldWord)].join(' ');
  const { rows } = await db.query<HitRow>(
    `WITH q AS (SELECT plainto_tsquery('simple', $1) AS words),
     message_candidates AS (
       SELECT m.pk FROM messages m, q WHERE m.body_search @@ q.words ORDER BY m.pk DESC LIMIT $3
     ),
     title_candidates AS (
       SELECT c.pk FROM conversations c, q WHERE c.title_search @@ q.words ORDER BY c.pk DESC LIMIT $3
     ),
     hits AS (
       SELECT m.conversation_pk AS cpk, m.pk AS mpk, ts_rank(m.body_search, q.words) AS score
         FROM message_candidates mc JOIN messages m ON m.pk = mc.pk, q
       UNION ALL
       SELECT c.pk, NULL, ts_rank(c.title_search, q.words) FROM title_candidates tc JOIN conversations c ON c.pk = tc.pk, q
     ),
     best AS (SELECT DISTINCT ON (cpk) cpk, mpk, score FROM hits ORDER BY cpk, score DESC, mpk DESC NULLS FIRST)
     SELECT ${CONVERSATION_COLUMNS}, best.score::float8 AS score, COALESCE(bm.text, c.title) AS best_text
       FROM best JOIN conversations c ON c.pk = best.cpk AND c.owner = $2
       LEFT JOIN messages bm ON bm.pk = best.mpk
      ORDER BY best.score DESC, c.pk DESC LIMIT $4`,
    [query, owner.toLowerCase(), SEARCH_CANDIDATES, limit],
  );
  return rows.map((row) => ({ conversation: toConversation(row), snippet: snippetOf(row.best_text ?? '', terms), rank: row.score }));
}

/**
 * What both stores' search shares, so SQLite and PostgreSQL find the same words and cut the same
 * snippets: words are runs of letters and digits, compared without accents or case.
 */

const SNIPPET_TOKENS = 12;
const MAX_TERMS = 12;

/** The words of a query, at most MAX_TERMS; punctuation and operators are never syntax. */
export function searchTerms(q: string): string[] {
  return (q.match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, MAX_TERMS);
}

export const foldWord = (word: string): string => word.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/** About SNIPPET_TOKENS words around the first word that matches a search term, "…" where cut. */
export function snippetOf(text: string, terms: string[]): string {
  const words = text.split(/\s+/).filter(Boolean);
  const wanted = new Set(terms.map(foldWord));
  const hit = Math.max(0, words.findIndex((w) => (w.match(/[\p{L}\p{N}]+/gu) ?? []).some((part) => wanted.has(foldWord(part)))));
  const start = Math.max(0, hit - Math.floor(SNIPPET_TOKENS / 3));
  const end = Math.min(words.length, start + SNIPPET_TOKENS);
  return `${start > 0 ? '…' : ''}${words.slice(start, end).join(' ')}${end < words.length ? '…' : ''}`;
}

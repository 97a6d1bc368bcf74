import { describe, expect, it } from 'vitest';
import { foldWord, searchTerms } from '../../server/store/search-text.js';

/** snippetOf is covered in sqlite-store.test.ts; these are the rules both stores' search share. */
describe('search text', () => {
  it('takes letters and digits as words, operators and quotes as nothing, at most 12 words', () => {
    expect(searchTerms('" OR * NEAR(')).toEqual(['OR', 'NEAR']);
    expect(searchTerms('e-mail: x@y.z 42')).toEqual(['e', 'mail', 'x', 'y', 'z', '42']);
    expect(searchTerms('!!! ...')).toEqual([]);
    expect(searchTerms(Array.from({ length: 20 }, (_, i) => `w${i}`).join(' '))).toHaveLength(12);
  });

  it('folds accents and case', () => {
    expect(foldWord('Zürich')).toBe('zurich');
    expect(foldWord('CAFÉ')).toBe('cafe');
    expect(foldWord('naïve')).toBe('naive');
  });
});

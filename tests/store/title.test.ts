import { describe, expect, it } from 'vitest';
import { FALLBACK_TITLE, titleFromMessage } from '../../server/store/title.js';

describe('titleFromMessage', () => {
  it('keeps a short first line as it is', () => {
    expect(titleFromMessage('How do I reset my password?')).toBe('How do I reset my password?');
  });

  it('uses only the first non-empty line and collapses whitespace', () => {
    expect(titleFromMessage('\n\n   Sales   report\tfor   March  \nplease include Q1')).toBe('Sales report for March');
  });

  it('strips markdown: headings, emphasis, code, links, list marks and quotes', () => {
    expect(titleFromMessage('## **Explain** the `reduce` function in [JavaScript](https://example.com)')).toBe('Explain the reduce function in JavaScript');
    expect(titleFromMessage('- first item')).toBe('first item');
    expect(titleFromMessage('> quoted _question_')).toBe('quoted question');
    expect(titleFromMessage('```python\nprint(1)\n```')).toBe('print(1)');
  });

  it('cuts a long line on a word boundary at 60 characters with an ellipsis', () => {
    const title = titleFromMessage('Please write a detailed comparison of the three database engines we evaluated last quarter');
    expect(title).toBe('Please write a detailed comparison of the three database…');
    expect([...title].length).toBeLessThanOrEqual(60);
  });

  it('cuts a single endless word mid-word rather than returning nothing', () => {
    const title = titleFromMessage('x'.repeat(100));
    expect(title).toBe(`${'x'.repeat(59)}…`);
  });

  it('never splits a surrogate pair', () => {
    const title = titleFromMessage('🙂'.repeat(80));
    expect([...title]).toHaveLength(60);
    expect(title.endsWith('🙂…')).toBe(true);
  });

  it('falls back when there is nothing to show', () => {
    expect(titleFromMessage('   \n  ')).toBe(FALLBACK_TITLE);
    expect(titleFromMessage('***')).toBe(FALLBACK_TITLE);
  });
});

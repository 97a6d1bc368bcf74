import { describe, expect, it } from 'vitest';
import { withPartials } from '../../server/routers/page-router.js';

describe('page partials', () => {
  it('replaces an include line by the partial, indented like the line', () => {
    const page = '<main>\n    <!--#include part.html-->\n</main>';
    expect(withPartials(page, (name) => (name === 'part.html' ? '<p>a</p>\n  <p>b</p>\n' : undefined))).toBe('<main>\n    <p>a</p>\n      <p>b</p>\n</main>');
  });

  it('refuses to build a page with a missing part, and leaves other comments alone', () => {
    expect(() => withPartials('<!--#include gone.html-->', () => undefined)).toThrow(/gone\.html is missing/);
    expect(withPartials('<!-- #include not.html -->', () => 'x')).toBe('<!-- #include not.html -->');
  });
});

import { renderMarkdown } from './render.js';

/**
 * Renders a small sample, thrown away, once the page is idle after loading. The first render on a
 * page otherwise pays for compiling marked's and highlight.js's regular expressions and setting
 * DOMPurify up — tens of ms in the first frame of the first answer, while the reader watches.
 */
const SAMPLE = [
  '# Title\n\nSome **bold**, *em*, `code` and a [link](https://example.com/).',
  '- item\n- item\n\n1. one\n2. two\n\n> quote',
  '| a | b |\n|---|---|\n| 1 | 2 |',
  '```js\nconst answer = await fetch("/x").then((response) => response.json());\n```',
  '```python\ndef total(items):\n    return sum(item.price for item in items)\n```',
].join('\n\n');

export function warmUpRendererWhenIdle() {
  const warm = () => renderMarkdown(SAMPLE, { highlight: true });
  if ('requestIdleCallback' in window) requestIdleCallback(warm, { timeout: 2000 });
  else setTimeout(warm, 500);
}

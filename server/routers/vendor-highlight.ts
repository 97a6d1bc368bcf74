import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * highlight.js for the page, as one ES module built at boot from the package's own files.
 *
 * The npm package ships its browser-usable code only as CommonJS (`lib/`; its `es/` entry points just
 * re-export `lib/`), and the prebuilt browser bundles live in a separate CDN package we do not use.
 * So the server wraps `lib/core.js` and the languages below — each in its own function scope with a
 * `module` object, exactly what CommonJS gives it — and registers the languages. The source text is
 * the package's, unchanged; nothing is fetched from anywhere.
 */

/** Languages models write most; names as in `lib/languages/<name>.js`. Aliases (js, ts, sh, html…) come with them. */
export const HIGHLIGHT_LANGUAGES = [
  'bash', 'c', 'cpp', 'csharp', 'css', 'diff', 'go', 'java', 'javascript', 'json', 'kotlin', 'markdown',
  'php', 'plaintext', 'python', 'ruby', 'rust', 'shell', 'sql', 'typescript', 'xml', 'yaml',
] as const;

function commonJsAsExpression(source: string): string {
  return `(() => { const module = { exports: {} }; const exports = module.exports;\n${source}\nreturn module.exports; })()`;
}

/** The text of the generated module: `export default hljs` with every language registered. */
export function buildHighlightModule(packageRoot: string): string {
  const read = (relative: string) => readFileSync(join(packageRoot, relative), 'utf8');
  const parts = [
    `// highlight.js ${JSON.parse(read('package.json')).version as string}, wrapped from lib/ by the server (see server/routers/vendor-highlight.ts).`,
    `const hljs = ${commonJsAsExpression(read('lib/core.js'))};`,
  ];
  for (const language of HIGHLIGHT_LANGUAGES) {
    parts.push(`hljs.registerLanguage(${JSON.stringify(language)}, ${commonJsAsExpression(read(`lib/languages/${language}.js`))});`);
  }
  parts.push('export default hljs;');
  return `${parts.join('\n')}\n`;
}

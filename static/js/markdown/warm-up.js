import { hljs } from '/static/vendor.js';
import { renderMarkdown } from './render.js';

/**
 * When idle after loading, renders and lays out a sample and compiles each grammar, so the first
 * answer does not pay for them (~10 ms and a few per language) in frames the reader watches. Marks
 * `renderer-warm` when done (the render bench waits for it).
 */
const SAMPLE = [
  '# Title\n\nSome **bold**, *em*, `code` and a [link](https://example.com/).',
  '- item\n- item\n\n1. one\n2. two\n\n> quote',
  '| a | b |\n|---|---|\n| 1 | 2 |',
  '```js\nconst answer = await fetch("/x").then((response) => response.json());\n```',
].join('\n\n');
/** Runs a grammar's common rules, whose regular expressions compile on first use. */
const CODE_SAMPLE = 'function total(items) {\n  // sum\n  return items.map((item) => item.price * 2).join(", ");\n}';

function whenIdle(task) {
  if ('requestIdleCallback' in window) requestIdleCallback(task, { timeout: 2000 });
  else setTimeout(task, 50);
}

/** Lays the (sanitized) sample out once, hidden, where answers are, then removes it. */
function layOutOnce(fragment) {
  const column = document.querySelector('.messages') ?? document.body;
  const stage = document.createElement('div');
  stage.className = 'render-warm-up markdown';
  stage.setAttribute('aria-hidden', 'true');
  stage.setAttribute('x-ignore', '');
  stage.inert = true;
  stage.append(fragment);
  column.append(stage);
  void stage.offsetHeight;
  stage.remove();
}

export function warmUpRendererWhenIdle() {
  const languages = hljs.listLanguages();
  const warmNextLanguage = () => {
    const language = languages.shift();
    if (!language) {
      performance.mark('renderer-warm');
      return;
    }
    hljs.highlight(CODE_SAMPLE, { language, ignoreIllegals: true });
    whenIdle(warmNextLanguage);
  };
  whenIdle(() => {
    layOutOnce(renderMarkdown(SAMPLE, { highlight: true }));
    whenIdle(warmNextLanguage);
  });
}

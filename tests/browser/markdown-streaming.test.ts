import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { finishChunk, roleChunk, textChunk, usageChunk } from '../support/chunks.js';
import { launchBrowser } from '../support/browser.js';
import { lastAnswer, newUserContext, openChat, sendMessage, startChatServer, waitForAnswerEnd, type ChatServer } from './chat-server.js';

/**
 * The incremental markdown renderer (static/js/markdown/markdown-stream.js), driven in the real page:
 * text arrives piece by piece, a snapshot of the host is taken after each render, and the end result
 * is compared with a one-shot render of the whole text. Then highlight.js through the whole stack.
 */

let chat: ChatServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  vi.setConfig({ expect: { poll: { timeout: 10_000, interval: 50 } } });
  [chat, browser] = await Promise.all([startChatServer(), launchBrowser()]);
  context = await newUserContext(browser);
  page = await openChat(context, chat.url);
  // A string, so the test runner does not rewrite the import(); the page's own modules, as loaded.
  await page.evaluate(
    "Promise.all([import('/static/js/markdown/markdown-stream.js'), import('/static/js/markdown/render.js')])" +
      '.then(([stream, render]) => { window.__markdown = { MarkdownStream: stream.MarkdownStream, renderMarkdown: render.renderMarkdown }; })',
  );
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await chat?.close();
});

interface StreamResult {
  /** The host's HTML after each piece was rendered. */
  snapshots: string[];
  streamed: string;
  /** A fresh stream given the whole text at once, finished (how history is drawn). */
  oneShot: string;
  /** The streamed host with its chunk wrappers taken away… */
  streamedUnwrapped: string;
  /** …and renderMarkdown() of the whole text, the renderer without any streaming. */
  wholeRender: string;
}

/** Streams `pieces` into a mounted host, waiting for each render (a DOM mutation), then finishes. */
function streamPieces(pieces: string[]): Promise<StreamResult> {
  return page.evaluate(async (parts) => {
    interface Stream {
      mount(host: HTMLElement): void;
      append(text: string): void;
      setText(text: string, finished: boolean): void;
      finish(): void;
    }
    const { MarkdownStream, renderMarkdown } = (window as unknown as {
      __markdown: { MarkdownStream: new () => Stream; renderMarkdown: (text: string, options: object) => DocumentFragment };
    }).__markdown;
    const newHost = () => {
      const host = document.createElement('div');
      host.className = 'markdown';
      document.body.append(host);
      return host;
    };
    const nextRender = (host: HTMLElement) =>
      new Promise<void>((resolve) => {
        const observer = new MutationObserver(() => {
          observer.disconnect();
          resolve();
        });
        observer.observe(host, { childList: true, subtree: true, characterData: true });
      });
    const host = newHost();
    const stream = new MarkdownStream();
    stream.mount(host);
    const snapshots: string[] = [];
    for (const part of parts) {
      const rendered = nextRender(host);
      stream.append(part);
      await rendered;
      snapshots.push(host.innerHTML);
    }
    // The end renders in the next frame, and may change nothing: a fully drawn tail stays as it is.
    stream.finish();
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));

    const oneShotHost = newHost();
    const oneShot = new MarkdownStream();
    oneShot.mount(oneShotHost);
    const drawn = nextRender(oneShotHost);
    oneShot.setText(parts.join(''), true);
    await drawn;

    const unwrapped = host.cloneNode(true) as HTMLElement;
    for (const chunk of unwrapped.querySelectorAll('.md-chunk')) chunk.replaceWith(...chunk.childNodes);
    const whole = document.createElement('div');
    whole.append(renderMarkdown(parts.join(''), { highlight: true }));
    const result = {
      snapshots,
      streamed: host.innerHTML,
      oneShot: oneShotHost.innerHTML,
      streamedUnwrapped: unwrapped.innerHTML,
      wholeRender: whole.innerHTML,
    };
    host.remove();
    oneShotHost.remove();
    return result;
  }, pieces);
}

function expectSameAsOneShot(result: StreamResult): void {
  expect(result.streamed).toBe(result.oneShot);
  expect(result.streamedUnwrapped).toBe(result.wholeRender);
}

/** Splits text the way a model streams it: a few characters at a time, cutting anywhere. */
function splitEvery(text: string, size: number): string[] {
  const pieces: string[] = [];
  for (let index = 0; index < text.length; index += size) pieces.push(text.slice(index, index + size));
  return pieces;
}

describe('streaming markdown, block by block', () => {
  it('re-renders a paragraph that turns out to open a code fence, and highlights it once finished', async () => {
    const pieces = ['Intro line.\n\n', '``', '`python\nx = 1\n', '\n# not a heading\n\nprint(x)\n', '```\n\nDone.'];
    const result = await streamPieces(pieces);
    // While the fence is open, "# not a heading" is code, never a heading, and nothing is coloured yet.
    const open = result.snapshots[3]!;
    expect(open).toContain('<pre><code class="language-python">');
    expect(open).not.toContain('<h1');
    expect(open).not.toContain('hljs');
    expect(result.streamed).not.toContain('<h1');
    expect(result.streamed).toMatch(/<code class="language-python hljs">.*<span class="hljs-comment"># not a heading<\/span>/s);
    expect(result.streamed).toContain('<p>Done.</p>');
    expectSameAsOneShot(result);
  });

  it('keeps list items that continue after a blank line inside the same list', async () => {
    const pieces = ['- first\n', '- second\n', '\n', '  still the second item\n', '- third\n\n', 'After the list.'];
    const result = await streamPieces(pieces);
    expect(result.streamed.match(/<ul>/g)).toHaveLength(1);
    expect(result.streamed).toMatch(/<li><p>second<\/p>\s*<p>still the second item<\/p>\s*<\/li>/);
    expect(result.streamed).toContain('<p>After the list.</p>');
    expectSameAsOneShot(result);
  });

  it('turns a paragraph into a heading when its underline arrives', async () => {
    const result = await streamPieces(['Title\n', '=', '==\n\nBody text.']);
    expect(result.snapshots[0]).toContain('<p>Title</p>');
    expect(result.streamed).toContain('<h1>Title</h1>');
    expectSameAsOneShot(result);
  });

  it('does not cut a paragraph at a line that is still arriving ("#" alone is a heading, "#hashtag" is not)', async () => {
    const result = await streamPieces(['Some text\n', '#', 'hashtag and more\n\n', 'Next.']);
    // Mid-line, the tail may briefly show an empty heading; what matters is that nothing was settled on it.
    expect(result.streamed).toContain('<p>Some text\n#hashtag and more</p>');
    expect(result.streamed).not.toContain('<h1');
    expectSameAsOneShot(result);
  });

  it('ends with the same DOM as a one-shot render for a long mixed answer cut anywhere', async () => {
    const blocks = [
      'Some **bold** prose with `code` and a [link](https://example.com/docs).',
      '- one\n- two\n  - nested\n- three',
      '```ts\nconst total = items.reduce((sum, item) => sum + item.price, 0);\n```',
      '| a | b |\n|---|---|\n| 1 | 2 |',
      '## A heading\n\n> a quote\n> over two lines',
      '1. first\n2. second',
    ];
    const text = Array.from({ length: 12 }, (_, index) => blocks[index % blocks.length]).join('\n\n');
    const result = await streamPieces(splitEvery(text, 7));
    // More blocks than one chunk holds, so chunking is part of what is compared.
    expect(result.streamed.match(/class="md-chunk"/g)!.length).toBeGreaterThan(1);
    expectSameAsOneShot(result);
  });

  it('ends a fully drawn answer in place: its last blocks keep their nodes and its code gets colours', async () => {
    const ended = await page.evaluate(async () => {
      const { MarkdownStream } = (window as unknown as { __markdown: { MarkdownStream: new () => { mount(h: HTMLElement): void; append(t: string): void; finish(): void } } }).__markdown;
      const frames = () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      const host = document.createElement('div');
      host.className = 'markdown';
      document.body.append(host);
      const stream = new MarkdownStream();
      stream.mount(host);
      stream.append('Intro **text**.\n\nSecond paragraph.\n\n```js\nconst answer = 42;\n```');
      await frames();
      const before = { paragraph: host.querySelectorAll('p')[1], code: host.querySelector('pre code'), coloured: host.querySelectorAll('.hljs-keyword').length };
      stream.finish();
      await frames();
      const result = {
        sameParagraph: host.querySelectorAll('p')[1] === before.paragraph,
        sameCode: host.querySelector('pre code') === before.code,
        colouredBefore: before.coloured,
        colouredAfter: host.querySelectorAll('.hljs-keyword').length,
        chunks: host.querySelectorAll(':scope > .md-chunk').length,
        looseNodes: [...host.childNodes].filter((node) => !(node instanceof HTMLElement && node.classList.contains('md-chunk'))).length,
      };
      host.remove();
      return result;
    });
    expect(ended).toEqual({ sameParagraph: true, sameCode: true, colouredBefore: 0, colouredAfter: 1, chunks: 1, looseNodes: 0 });
  });

  it('renders the whole text at the end when a reference link is defined after its use', async () => {
    const result = await streamPieces(['See [the docs][d] first.\n\n', 'More prose.\n\n', '[d]: https://example.com/d\n\n', 'The end.']);
    expect(result.streamed).toContain('href="https://example.com/d"');
    expectSameAsOneShot(result);
  });

  it('nests raw HTML closed in a later block exactly as a one-shot render does', async () => {
    const result = await streamPieces(['<details>\n\n', '**inside**\n\n', '</details>\n\n', 'Outside.']);
    expect(result.streamed).toMatch(/<details>.*<strong>inside<\/strong>.*<\/details>/s);
    expectSameAsOneShot(result);
  });

  it('never shows a live script vector while a split payload arrives', async () => {
    const pieces = ['Text.\n\n<img src=x on', 'error="window.__pwnedStream=1">\n\n', '<a href="java', 'script:window.__pwnedStream=2">x</a>\n\nEnd.'];
    const result = await streamPieces(pieces);
    for (const html of [...result.snapshots, result.streamed]) {
      expect(html).not.toMatch(/<img|onerror|javascript:/i);
    }
    expect(await page.evaluate(() => (window as unknown as { __pwnedStream?: number }).__pwnedStream)).toBeUndefined();
    expectSameAsOneShot(result);
  });
});

describe('code highlighting through the server', () => {
  it('shows a ```js fence with highlight.js classes and no CSP violation', async () => {
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await page.evaluate(() => {
      const state = window as unknown as { __cspViolations: string[] };
      state.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (event) => state.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`));
    });
    const answer = ['Here it is:\n\n```js\n', 'function add(a, b) {\n  // sum\n  return Math.max(a, b) + parseInt("1");\n}\n', '```\n\nThat adds.'];
    chat.upstream.enqueue({
      steps: [roleChunk(), ...answer.map((text) => textChunk(text)), finishChunk('stop'), usageChunk(5, 3)].map((chunk) => ({ chunk, delayMs: 20 })),
    });
    await sendMessage(page, 'Write an add function');
    await waitForAnswerEnd(page);
    const code = lastAnswer(page).locator('pre code.language-js');
    await expect.poll(() => code.getAttribute('class')).toContain('hljs');
    expect(await code.locator('span.hljs-keyword').allTextContents()).toEqual(['function', 'return']);
    expect(await code.locator('span.hljs-comment').textContent()).toBe('// sum');
    // Scopes with underscores survive the second sanitizer: `hljs-built_in`, `hljs-title function_`.
    expect(await code.locator('span.hljs-title.function_').allTextContents()).toEqual(['add', 'max']);
    expect(await code.locator('span.hljs-built_in').textContent()).toBe('parseInt');
    expect(await code.textContent()).toBe('function add(a, b) {\n  // sum\n  return Math.max(a, b) + parseInt("1");\n}\n');
    // The theme is our stylesheet: a keyword is coloured, not the text colour.
    const colours = await code.evaluate((element) => ({
      keyword: getComputedStyle(element.querySelector('.hljs-keyword')!).color,
      text: getComputedStyle(element).color,
    }));
    expect(colours.keyword).not.toBe(colours.text);
    expect(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations)).toEqual([]);
    expect(violations).toEqual([]);
  });
});

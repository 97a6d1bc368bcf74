import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { answerChunks, finishChunk, roleChunk, textChunk } from '../support/chunks.js';
import { scriptFromChunks } from '../support/fake-upstream.js';
import { launchBrowser, newContext, scrollTopAtRest } from '../support/browser.js';
import {
  BROKEN_MODEL,
  OTHER_MODEL,
  lastAnswer,
  lastAnswerText,
  newUserContext,
  openChat,
  sendMessage,
  startChatServer,
  waitForAnswerEnd,
  waitForReady,
  type ChatServer,
} from './chat-server.js';

/** The chat page end to end: real server, fake upstream, Debian's Chromium. */

let chat: ChatServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  // Two cores run two browser files at once: give page states time to arrive.
  vi.setConfig({ expect: { poll: { timeout: 10_000, interval: 50 } } });
  [chat, browser] = await Promise.all([startChatServer({ LLM_MAX_RETRIES: '0' }), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await chat?.close();
});

beforeEach(async () => {
  context = await newUserContext(browser);
  page = await openChat(context, chat.url);
});

afterEach(async () => {
  await context.close();
});

const toasts = () => page.getByRole('alert');

describe('loading the page', () => {
  it('serves the page with CSP, nosniff and no-referrer, and the escaped app name', async () => {
    const response = await fetch(`${chat.url}/`);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("img-src 'self' data: blob:");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toMatch(/connect-src 'self'[^;]* ws:\/\/127\.0\.0\.1:\d+/);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await response.text();
    expect(html).not.toContain('Galaxy <Test>'); // escaped by the server, whichever entity it picks
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline scripts
    expect(html).not.toMatch(/\son[a-z]+=/i); // no inline event handlers
    expect(html).not.toMatch(/\sstyle=/i); // no inline styles
    expect(await page.title()).toBe('Galaxy <Test>');
    await expect.poll(() => page.locator('.app-name').textContent()).toBe('Galaxy <Test>');
  });

  it('opens one socket at load with no connection banner, and says it is in test mode', async () => {
    // Without the proxy header the TEST_MODE identity applies, and the page must say so.
    const anonymous = await newContext(browser);
    try {
      const testPage = await anonymous.newPage();
      const sockets: string[] = [];
      testPage.on('websocket', (socket) => sockets.push(socket.url()));
      let bannerSeen = false;
      await testPage.goto(`${chat.url}/`);
      // Sample the page as it starts: the offline indicator must never flash on a healthy start.
      for (let sample = 0; sample < 10; sample++) {
        bannerSeen ||= await testPage.locator('.connection-state').isVisible();
        await testPage.waitForTimeout(30);
      }
      await waitForReady(testPage);
      expect(bannerSeen).toBe(false);
      expect(await testPage.locator('.banner').isVisible()).toBe(false);
      expect(sockets).toEqual([`${chat.url.replace('http', 'ws')}/ws`]);
      await expect.poll(() => testPage.getByText('Test mode — signed in as test@test.com').isVisible()).toBe(true);
      expect(await page.getByText('Test mode').isVisible()).toBe(false); // a proxy identity is not test mode
    } finally {
      await anonymous.close();
    }
  });

  it('keeps the page’s own code (JavaScript, CSS and HTML) under 150 KB', async () => {
    const { readdir, stat } = await import('node:fs/promises');
    const { join } = await import('node:path');
    let total = 0;
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (/\.(js|css|html)$/.test(entry.name)) total += (await stat(path)).size;
      }
    };
    await walk('static');
    expect(total).toBeLessThan(150 * 1024);
  });
});

describe('chatting', () => {
  it('streams an answer through several visible states and renders it as markdown', async () => {
    const answer =
      '# Release notes\n\nThe **new parser** is faster and handles `edge cases` well. ' +
      Array.from({ length: 30 }, (_, index) => `word${index}`).join(' ') +
      '\n\n- first point\n- second point\n\n```python\nprint("hello")\n```\n\nDone.';
    chat.upstream.enqueue(scriptFromChunks(answerChunks(answer), { delayMs: 25 }));
    await sendMessage(page, 'Write release notes');

    await expect.poll(() => page.locator('[data-role="user"]').last().textContent()).toContain('Write release notes');
    const seen = new Set<string>();
    const answerText = lastAnswer(page).locator('.markdown');
    while (!(await lastAnswer(page).getByRole('button', { name: 'Good response' }).isVisible())) {
      const text = (await answerText.textContent().catch(() => '')) ?? '';
      if (text) seen.add(text);
      await page.waitForTimeout(30);
    }
    const states = [...seen];
    expect(states.length).toBeGreaterThanOrEqual(3);
    // Each state the reader saw grows the previous one: text is never lost or reshuffled mid-stream.
    for (let index = 1; index < states.length; index++) {
      expect(states[index]!.length).toBeGreaterThanOrEqual(states[index - 1]!.length - 10);
    }

    const body = lastAnswer(page).locator('.markdown');
    await expect.poll(() => body.locator('h1').textContent()).toBe('Release notes');
    expect(await body.locator('strong').textContent()).toBe('new parser');
    expect(await body.locator('li').allTextContents()).toEqual(['first point', 'second point']);
    expect(await body.locator('pre code').textContent()).toBe('print("hello")\n');
    expect(await body.getByRole('button', { name: 'Copy code' }).count()).toBe(1);
    expect(await body.locator('.code-language').textContent()).toBe('python');
    await expect.poll(() => page.getByRole('status').textContent()).toBe('');
  });

  it('follows new text at the end, and stays put once the reader scrolls up', async () => {
    // One paragraph per chunk, 40 ms apart: two seconds of streaming, taller than the window.
    const paragraphs = Array.from({ length: 50 }, (_, index) => `Paragraph ${index} ${'text '.repeat(10)}\n\n`);
    const chunks = [roleChunk(), ...paragraphs.map((paragraph) => textChunk(paragraph)), finishChunk('stop')];
    chat.upstream.enqueue(scriptFromChunks(chunks, { delayMs: 40 }));
    await sendMessage(page, 'A long answer please');
    const scroller = page.locator('main.conversation');
    const distanceFromEnd = () => scroller.evaluate((element) => element.scrollHeight - element.scrollTop - element.clientHeight);
    await expect.poll(() => lastAnswer(page).locator('.markdown').textContent()).toContain('Paragraph 12');
    expect(await distanceFromEnd()).toBeLessThan(60);

    await scroller.hover();
    await page.mouse.wheel(0, -600);
    await expect.poll(() => page.getByRole('button', { name: 'Jump to latest' }).isVisible()).toBe(true);
    // Where the reader parked, once the wheel's scroll has come to rest (it may still be moving).
    const parkedAt = await scrollTopAtRest(scroller);
    await waitForAnswerEnd(page);
    expect(Math.abs((await scroller.evaluate((element) => element.scrollTop)) - parkedAt)).toBeLessThan(5);

    await page.getByRole('button', { name: 'Jump to latest' }).click();
    await expect.poll(distanceFromEnd).toBeLessThan(60);
  });

  it('sends with Enter, inserts a newline with Shift+Enter', async () => {
    chat.upstream.enqueue(scriptFromChunks(answerChunks('Two lines received.'), { delayMs: 5 }));
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.click();
    await box.pressSequentially('line one');
    await box.press('Shift+Enter');
    await box.pressSequentially('line two');
    expect(await box.inputValue()).toBe('line one\nline two');
    await box.press('Enter');
    await expect.poll(() => page.locator('[data-role="user"] .user-text').last().textContent()).toBe('line one\nline two');
    expect(await box.inputValue()).toBe('');
    await waitForAnswerEnd(page);
    const lastRequest = chat.upstream.requests.at(-1)!;
    expect(JSON.stringify(lastRequest.body.messages)).toContain('line one\\nline two');
  });

  it('lists models with the unavailable one disabled and the demo labelled, and switches model', async () => {
    const model = page.getByRole('combobox', { name: 'Model' });
    const options = await model.locator('option').evaluateAll((nodes) =>
      nodes.map((node) => ({ value: (node as HTMLOptionElement).value, text: node.textContent ?? '', disabled: (node as HTMLOptionElement).disabled })),
    );
    const keyless = options.find((option) => option.value === BROKEN_MODEL.name)!;
    expect(keyless.disabled).toBe(true);
    // Operator detail (the missing key's variable) stays in /ready and the log.
    expect(keyless.text).toBe(`${BROKEN_MODEL.label} — unavailable`);
    expect(keyless.text).not.toMatch(/API key|_API_KEY|ECONNREFUSED/);
    const demo = options.find((option) => option.value === 'demo')!;
    expect(demo.text).toMatch(/\bdemo\b/i);
    expect(demo.disabled).toBe(false);

    await model.selectOption(OTHER_MODEL.name);
    chat.upstream.enqueue(scriptFromChunks(answerChunks('Answer from the other model.'), { delayMs: 5 }));
    await sendMessage(page, 'Which model are you?');
    await waitForAnswerEnd(page);
    expect(chat.upstream.requests.at(-1)!.body.model).toBe(OTHER_MODEL.modelName);
    expect(await lastAnswer(page).locator('.message-meta').textContent()).toBe(OTHER_MODEL.label);
    expect(await model.inputValue()).toBe(OTHER_MODEL.name);
  });

  it('stops a running answer, keeps what streamed and marks it incomplete', async () => {
    const words = Array.from({ length: 200 }, (_, index) => `slow${index}`).join(' ');
    chat.upstream.enqueue(scriptFromChunks(answerChunks(words), { delayMs: 40 }));
    await sendMessage(page, 'Say a lot, slowly');
    await expect.poll(() => lastAnswer(page).locator('.markdown').textContent()).toContain('slow3');
    await page.getByRole('button', { name: 'Stop' }).click();
    await chat.upstream.waitForAborts(1);
    await waitForAnswerEnd(page);
    const marker = lastAnswer(page).locator('.end-note');
    await expect.poll(() => marker.textContent()).toContain('Incomplete');
    expect(await marker.textContent()).toContain('Stopped');
    expect(await lastAnswer(page).locator('.markdown').textContent()).toContain('slow3');
    expect(await page.getByRole('button', { name: 'Send', exact: true }).isVisible()).toBe(true);
  });

  it('shows the status line while the model is slow, and clears it when text flows', async () => {
    chat.upstream.enqueue({ ...scriptFromChunks(answerChunks('Finally here.'), { delayMs: 5 }), delayMs: 1500 });
    await sendMessage(page, 'Take your time');
    const status = page.getByRole('status');
    await expect.poll(() => status.textContent()).toMatch(/Thinking… \d+ s/);
    await waitForAnswerEnd(page);
    await expect.poll(() => status.textContent()).toBe('');
    expect(await lastAnswerText(page)).toBe('Finally here.');
  });

  it('explains a failing model in a toast and on the answer', async () => {
    chat.upstream.enqueue({ status: 500, errorBody: { error: { message: 'upstream exploded', type: 'server_error' } } });
    await sendMessage(page, 'This will fail');
    await expect.poll(() => toasts().textContent()).not.toBe('');
    await expect.poll(() => page.getByRole('button', { name: 'Send', exact: true }).isVisible()).toBe(true);
    const answers = await page.locator('[data-role="assistant"]').count();
    if (answers > 0) await expect.poll(() => lastAnswer(page).locator('.end-note').isVisible()).toBe(true);
  });
});

describe('feedback, export and new chat', () => {
  it('rates an answer (no toast: the pressed thumb says it), then comments and sends general feedback, each confirmed by a toast', async () => {
    chat.upstream.enqueue(scriptFromChunks(answerChunks('Rate me.'), { delayMs: 5 }));
    await sendMessage(page, 'Hello');
    await waitForAnswerEnd(page);

    await lastAnswer(page).getByRole('button', { name: 'Good response' }).click();
    expect(await lastAnswer(page).getByRole('button', { name: 'Good response' }).getAttribute('aria-pressed')).toBe('true');
    await lastAnswer(page).getByRole('textbox', { name: 'Comment on this answer' }).fill('Short and sweet');
    await lastAnswer(page).getByRole('button', { name: 'Submit comment' }).click();
    await expect.poll(() => toasts().textContent()).toContain('feedback was saved');
    expect(await toasts().locator('.toast').count()).toBe(1);

    await page.getByRole('button', { name: 'Send feedback' }).click();
    const dialog = page.getByRole('dialog', { name: 'Send feedback' });
    await dialog.getByRole('textbox', { name: 'Your feedback' }).fill('The page is nice');
    await dialog.getByRole('button', { name: 'Submit feedback' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await expect.poll(() => toasts().locator('.toast').count()).toBe(2);
  });

  it('exports the transcript as a text download', async () => {
    // Chromium cancels downloads in contexts with extra HTTP headers, so this one is the TEST_MODE user.
    const anonymous = await newContext(browser, { acceptDownloads: true });
    try {
      const exportPage = await openChat(anonymous, chat.url);
      chat.upstream.enqueue(scriptFromChunks(answerChunks('Exported answer text.'), { delayMs: 5 }));
      await sendMessage(exportPage, 'Please export me');
      await waitForAnswerEnd(exportPage);
      const [download] = await Promise.all([
        exportPage.waitForEvent('download'),
        exportPage.getByRole('button', { name: 'Export', exact: true }).click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/\.txt$/);
      const content = await readFile((await download.path())!, 'utf8');
      expect(content).toContain('Please export me');
      expect(content).toContain('Exported answer text.');
    } finally {
      await anonymous.close();
    }
  });

  it('starts a new chat with an empty conversation', async () => {
    chat.upstream.enqueue(scriptFromChunks(answerChunks('First chat.'), { delayMs: 5 }));
    await sendMessage(page, 'In the first chat');
    await waitForAnswerEnd(page);
    await page.getByRole('button', { name: 'New chat' }).click();
    await expect.poll(() => page.locator('[data-role]').count()).toBe(0);
    await expect.poll(() => page.getByText('What can I help with?').isVisible()).toBe(true);
  });
});

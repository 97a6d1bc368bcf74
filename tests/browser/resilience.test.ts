import type { Browser, BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { answerChunks } from '../support/chunks.js';
import { scriptFromChunks } from '../support/fake-upstream.js';
import { launchBrowser } from '../support/browser.js';
import {
  lastAnswer,
  lastAnswerText,
  newUserContext,
  openChat,
  sendMessage,
  startChatServer,
  startForwarder,
  waitForAnswerEnd,
  waitForReady,
  type ChatServer,
} from './chat-server.js';

/**
 * Connections that drop, tabs that compete, servers that restart. The page's socket is routed
 * through Playwright (to the real server) so a test can cut it mid-answer like a flaky network.
 */

let chat: ChatServer;
let browser: Browser;
let context: BrowserContext;

interface RoutedSocket {
  page: WebSocketRoute;
  server: WebSocketRoute;
  hellos: Array<Record<string, unknown>>;
}

beforeAll(async () => {
  [chat, browser] = await Promise.all([startChatServer({ RESUME_GRACE_MS: '30000' }), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await chat?.close();
});

beforeEach(async () => {
  context = await newUserContext(browser);
});

afterEach(async () => {
  await context.close();
});

/** Routes every socket the page opens to the real server, keeping a handle on each. */
async function routeSockets(page: Page, options: { refuseNext?: () => boolean } = {}): Promise<RoutedSocket[]> {
  const sockets: RoutedSocket[] = [];
  await page.routeWebSocket(/\/ws$/, (pageSide) => {
    if (options.refuseNext?.()) {
      pageSide.close({ code: 4000, reason: 'refused by test' });
      return;
    }
    const serverSide = pageSide.connectToServer();
    const routed: RoutedSocket = { page: pageSide, server: serverSide, hellos: [] };
    pageSide.onMessage((message) => {
      const parsed = JSON.parse(String(message)) as Record<string, unknown>;
      if (parsed.type === 'hello') routed.hellos.push(parsed);
      serverSide.send(message);
    });
    sockets.push(routed);
  });
  return sockets;
}

function numberedWords(count: number): string {
  return Array.from({ length: count }, (_, index) => `w${index}`).join(' ');
}

describe('reconnecting', () => {
  it('resumes a running answer after the socket drops, without losing or repeating text', async () => {
    const page = await context.newPage();
    let refusals = 0;
    const sockets = await routeSockets(page, { refuseNext: () => refusals-- > 0 });
    await page.goto(`${chat.url}/`);
    await waitForReady(page);

    const words = numberedWords(120);
    chat.upstream.enqueue(scriptFromChunks(answerChunks(words), { delayMs: 15 }));
    await sendMessage(page, 'Count for me');
    await expect.poll(() => lastAnswer(page).locator('.markdown').textContent()).toContain('w10');

    // The network drops, and the first reconnect attempts fail too.
    refusals = 2;
    const first = sockets[0]!;
    await first.server.close();
    await first.page.close({ code: 4000, reason: 'network drop' });
    await expect.poll(() => page.getByText('Offline — reconnecting…').isVisible()).toBe(true);

    await waitForAnswerEnd(page);
    expect(await lastAnswerText(page)).toBe(words);
    expect(await page.locator('[data-role="assistant"]').count()).toBe(1);
    expect(await page.locator('[data-role="user"]').count()).toBe(1);
    await expect.poll(() => page.locator('.connection-state').isVisible()).toBe(false);

    const resumedHello = sockets.at(-1)!.hellos[0]!;
    expect(sockets.length).toBeGreaterThanOrEqual(2);
    expect(resumedHello.sessionId).toBe(first.hellos[0]!.sessionId ?? resumedHello.sessionId);
    expect(resumedHello.lastSeq).toBeGreaterThan(0);
  });

  it('shows the conversation again after a reload of the tab', async () => {
    const page = await openChat(context, chat.url);
    chat.upstream.enqueue(scriptFromChunks(answerChunks('Remember this answer.'), { delayMs: 5 }));
    await sendMessage(page, 'Before the reload');
    await waitForAnswerEnd(page);
    await page.reload();
    await waitForReady(page);
    await expect.poll(() => page.locator('[data-role="user"]').last().textContent()).toContain('Before the reload');
    await expect.poll(() => lastAnswerText(page)).toBe('Remember this answer.');
    expect(await page.locator('[data-role="assistant"]').count()).toBe(1);
  });
});

describe('two tabs', () => {
  it('tells the old tab it was taken over, never fights back on its own, and lets it take the chat back', async () => {
    const first = await openChat(context, chat.url);
    const second = await openChat(context, chat.url);

    const banner = first.locator('.banner');
    await expect.poll(() => banner.textContent()).toContain('another tab');
    const takeBack = first.getByRole('button', { name: 'Take back' });
    expect(await takeBack.isVisible()).toBe(true);
    // The second tab keeps the chat: the first one must not reconnect by itself.
    await first.waitForTimeout(1500);
    expect(await second.locator('.banner').isVisible()).toBe(false);

    await takeBack.click();
    await waitForReady(first);
    await expect.poll(() => banner.isVisible()).toBe(false);
    await expect.poll(() => second.getByRole('button', { name: 'Take back' }).isVisible()).toBe(true);

    chat.upstream.enqueue(scriptFromChunks(answerChunks('Back in the first tab.'), { delayMs: 5 }));
    await sendMessage(first, 'Am I back?');
    await waitForAnswerEnd(first);
    expect(await lastAnswerText(first)).toBe('Back in the first tab.');
  });
});

describe('server restart', () => {
  it('explains the restart, reconnects on its own once the server is back, and stays usable', async () => {
    const doomed = await startChatServer();
    const forwarder = await startForwarder(doomed.server.port);
    let revived: ChatServer | null = null;
    try {
      const page = await openChat(context, `http://127.0.0.1:${forwarder.port}`);
      await doomed.close();
      const banner = page.locator('.banner');
      await expect.poll(() => banner.textContent()).toContain('restarting');

      revived = await startChatServer();
      forwarder.setTarget(revived.server.port);
      await expect.poll(() => banner.isVisible(), { timeout: 15_000 }).toBe(false);
      await waitForReady(page);
      revived.upstream.enqueue(scriptFromChunks(answerChunks('Alive again.'), { delayMs: 5 }));
      await sendMessage(page, 'Are you back?');
      await waitForAnswerEnd(page);
      expect(await lastAnswerText(page)).toBe('Alive again.');
    } finally {
      await forwarder.close();
      await revived?.close();
    }
  });
});

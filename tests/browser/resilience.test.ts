import type { Browser, BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { answerChunks, finishChunk, roleChunk, textChunk } from '../support/chunks.js';
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
  /** The `type` of every event the server sent on this socket. */
  eventTypes: string[];
}

beforeAll(async () => {
  // Two cores run two browser files at once: give page states time to arrive.
  vi.setConfig({ expect: { poll: { timeout: 10_000, interval: 50 } } });
  [chat, browser] = await Promise.all([startChatServer({ RESUME_GRACE_MS: '30000', SESSION_EVENT_BUFFER_BYTES: String(64 * 1024) }), launchBrowser()]);
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
    const routed: RoutedSocket = { page: pageSide, server: serverSide, hellos: [], eventTypes: [] };
    pageSide.onMessage((message) => {
      const parsed = JSON.parse(String(message)) as Record<string, unknown>;
      if (parsed.type === 'hello') routed.hellos.push(parsed);
      serverSide.send(message);
    });
    serverSide.onMessage((message) => {
      routed.eventTypes.push(String((JSON.parse(String(message)) as { type: unknown }).type));
      pageSide.send(message);
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

    // Long enough (about 4 s) that part of it is replayed after the reconnect and part streams live.
    const words = numberedWords(200);
    chat.upstream.enqueue(scriptFromChunks(answerChunks(words), { delayMs: 20 }));
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

  it('catches up from a history snapshot when it was away for longer than the replay buffer holds', async () => {
    const page = await context.newPage();
    let offline = false;
    const sockets = await routeSockets(page, { refuseNext: () => offline });
    await page.goto(`${chat.url}/`);
    await waitForReady(page);

    // About 180 KB of answer over ~2 s: whenever the drop happens, far more than the 64 KB of events
    // this server keeps for a resume is still to come (and under MAX_RESPONSE_CHARS, 200,000).
    const text = Array.from({ length: 1500 }, (_, index) => `line${String(index).padStart(4, '0')} ${'x'.repeat(110)}`).join(' ');
    const pieces = text.match(/.{1,1500}/g)!;
    chat.upstream.enqueue(scriptFromChunks([roleChunk(), ...pieces.map((piece) => textChunk(piece)), finishChunk('stop')], { delayMs: 15 }));
    await sendMessage(page, 'Write a very long answer');
    await expect.poll(() => lastAnswer(page).locator('.markdown').textContent()).toContain('line0000');

    offline = true;
    for (const socket of sockets) {
      await socket.server.close();
      await socket.page.close({ code: 4000, reason: 'network drop' });
    }
    await expect.poll(() => chat.upstream.requests.at(-1)!.endedAt !== undefined, { timeout: 20_000 }).toBe(true);
    await page.waitForTimeout(200); // the server writes the answer's end
    offline = false;
    await page.evaluate(() => window.dispatchEvent(new Event('online')));

    await waitForAnswerEnd(page);
    expect(sockets.some((socket) => socket.eventTypes.includes('history'))).toBe(true);
    expect(await lastAnswerText(page)).toBe(text);
    expect(await page.locator('[data-role="assistant"]').count()).toBe(1);
    expect(await page.locator('[data-role="user"] .user-text').allTextContents()).toEqual(['Write a very long answer']);
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
    let closing: Promise<void> | null = null;
    try {
      const page = await openChat(context, `http://127.0.0.1:${forwarder.port}`);
      // The notice goes out and the listener closes at once; the rest of the shutdown (stopping the
      // Python sandbox) takes seconds, so the replacement starts alongside, as a deployment would.
      closing = doomed.close();
      const banner = page.locator('.banner');
      await expect.poll(() => banner.textContent()).toContain('restarting');

      revived = await startChatServer();
      forwarder.setTarget(revived.server.port);
      // After a restart notice the page retries at least every 2 s (with jitter).
      await expect.poll(() => banner.isVisible(), { timeout: 30_000 }).toBe(false);
      await waitForReady(page);
      revived.upstream.enqueue(scriptFromChunks(answerChunks('Alive again.'), { delayMs: 5 }));
      await sendMessage(page, 'Are you back?');
      await waitForAnswerEnd(page);
      expect(await lastAnswerText(page)).toBe('Alive again.');
    } finally {
      await (closing ?? doomed.close());
      await forwarder.close();
      await revived?.close();
    }
  }, 60_000);
});

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchBrowser } from '../support/browser.js';
import { lastAnswerText, newUserContext, sendMessage, startChatServer, waitForAnswerEnd, waitForReady, type ChatServer } from './chat-server.js';
import { answerChunks } from '../support/chunks.js';

/**
 * DISABLE_WEBSOCKET=true: the WebSocket is refused, the page learns from the connection check that
 * it is turned off on purpose, and chats over HTTP streaming instead (one failed handshake, no loop).
 */

let chat: ChatServer;
let browser: Browser;
beforeAll(async () => {
  vi.setConfig({ expect: { poll: { timeout: 10_000, interval: 50 } } });
  [chat, browser] = await Promise.all([startChatServer({ DISABLE_WEBSOCKET: 'true' }), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await chat?.close();
});

describe('the page with the WebSocket turned off', () => {
  it('chats over HTTP streaming after a single refused handshake', async () => {
    const context = await newUserContext(browser);
    const page = await context.newPage();
    let attempts = 0;
    page.on('websocket', () => (attempts += 1));
    const streams: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/sse') streams.push(request.url());
    });
    await page.goto(`${chat.url}/`);
    await waitForReady(page);
    expect(await page.locator('.app').getAttribute('data-transport')).toBe('stream');
    await expect.poll(() => page.locator('.banner').isVisible()).toBe(false);

    chat.upstream.enqueue({ steps: answerChunks('Streamed without a WebSocket').map((chunk) => ({ chunk, delayMs: 5 })) });
    await sendMessage(page, 'Hello over HTTP');
    await waitForAnswerEnd(page);
    expect(await lastAnswerText(page)).toBe('Streamed without a WebSocket');
    expect(chat.upstream.requests.at(-1)!.body.messages.at(-1)).toEqual({ role: 'user', content: 'Hello over HTTP' });
    expect(attempts).toBe(1);
    expect(streams).toHaveLength(1);
    await context.close();
  });

  it('tells a tab that another took its chat over the stream, and lets it take the chat back', async () => {
    const context = await newUserContext(browser);
    const first = await context.newPage();
    await first.goto(`${chat.url}/`);
    await waitForReady(first);
    const second = await context.newPage();
    await second.goto(`${chat.url}/`);
    await waitForReady(second);

    const banner = first.locator('.banner p');
    await expect.poll(() => banner.textContent()).toBe('This chat was opened in another tab or window. This tab stopped receiving updates.');
    await first.getByRole('button', { name: 'Take back' }).click();
    await expect.poll(() => first.locator('.banner').isVisible()).toBe(false);
    await expect.poll(() => second.getByRole('button', { name: 'Take back' }).isVisible()).toBe(true);
    expect(await first.locator('.app').getAttribute('data-transport')).toBe('stream');
    await context.close();
  });
});

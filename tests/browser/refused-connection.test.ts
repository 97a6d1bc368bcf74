import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchBrowser } from '../support/browser.js';
import { connect } from '../support/ws-client.js';
import { newUserContext, startChatServer, waitForReady, type ChatServer } from './chat-server.js';

/**
 * A refused WebSocket upgrade explains itself. The browser hides a refused handshake's body, so the
 * page asks /api/connection-check for the same verdict: a 4xx other than 429 is shown in the banner
 * and ends the retries; a 429 is shown in the connection indicator while the page backs off. A refusal
 * at hello (NO_TENANT, close 4006) is shown and final too.
 * The page's clock is Playwright's, so "it never retries" is checked by running timers far ahead.
 */

let browser: Browser;
beforeAll(async () => {
  vi.setConfig({ expect: { poll: { timeout: 10_000, interval: 50 } } });
  browser = await launchBrowser();
});
afterAll(async () => browser?.close());

/** Counts the page's connection attempts of each kind. */
function watchAttempts(page: Page) {
  const attempts = { websocket: 0, check: 0, stream: 0 };
  page.on('websocket', () => (attempts.websocket += 1));
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (path === '/api/connection-check') attempts.check += 1;
    if (path === '/sse') attempts.stream += 1;
  });
  return attempts;
}

describe('a refused upgrade', () => {
  let chat: ChatServer;
  beforeAll(async () => {
    // Pinned to another address, the server refuses this page's Origin, as behind a misconfigured proxy.
    chat = await startChatServer({ PUBLIC_URL: 'https://chat.example.com' });
  });
  afterAll(async () => chat?.close());

  it('shows the reason in plain words and stops trying', async () => {
    const context = await newUserContext(browser);
    const page = await context.newPage();
    await page.clock.install();
    const attempts = watchAttempts(page);
    await page.goto(`${chat.url}/`);
    const banner = page.locator('.banner p');
    await banner.waitFor({ state: 'visible' });
    expect(await banner.textContent()).toBe(
      'The chat could not connect: This origin may not open a chat connection. Open the chat through its usual address, or ask the administrator to allow this one.',
    );
    expect(await page.getByText('Offline — reconnecting…').isVisible()).toBe(false);
    // A retrying page would have tried many times in a minute (its backoff starts at 300 ms).
    await page.clock.runFor(60_000);
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    expect(attempts).toEqual({ websocket: 1, check: 1, stream: 0 });
    await context.close();
  });
});

describe('too many connections', () => {
  let chat: ChatServer;
  beforeAll(async () => {
    chat = await startChatServer({ WS_MAX_CONNECTIONS_PER_USER: '1' });
  });
  afterAll(async () => chat?.close());

  it('says so while backing off, and connects once there is room', async () => {
    const email = `crowded-${process.pid}@galaxy.test`;
    // The user's one allowed connection is taken by another client.
    const other = await connect(`ws://127.0.0.1:${chat.server.port}/ws`, { email });
    const context = await newUserContext(browser, { extraHTTPHeaders: { 'X-EMAIL-USER': email } });
    const page = await context.newPage();
    await page.clock.install();
    const attempts = watchAttempts(page);
    await page.goto(`${chat.url}/`);
    const indicator = page.locator('.connection-state');
    await expect.poll(async () => (await indicator.textContent())?.trim()).toBe('Too many connections. Trying again shortly…');
    expect(await page.locator('.banner').isVisible()).toBe(false);

    other.close();
    await other.closed;
    await page.clock.runFor(6_000); // past the 5 s back-off
    await waitForReady(page);
    expect(attempts.websocket).toBe(2);
    expect(attempts.stream).toBe(0);
    await expect.poll(() => indicator.isVisible()).toBe(false); // hidden in the render after `ready`
    await context.close();
  });
});

describe('a person refused at hello', () => {
  let chat: ChatServer;
  beforeAll(async () => {
    chat = await startChatServer();
  });
  afterAll(async () => chat?.close());

  it('shows the server\'s reason after close 4006 (no tenant) and stops trying', async () => {
    const context = await newUserContext(browser);
    const page = await context.newPage();
    await page.clock.install();
    const attempts = watchAttempts(page);
    // The membership went away while the page was open: the next hello is answered NO_TENANT, then 4006.
    // Played by the route, since a tenant list that changes mid-test needs a membership database.
    const message = 'Your account is not set up for any organisation on this server; ask your administrator to add you.';
    await page.routeWebSocket(/\/ws$/, (pageSide) => {
      const serverSide = pageSide.connectToServer();
      pageSide.onMessage((frame) => serverSide.send(frame));
      serverSide.onMessage(() => {
        pageSide.send(JSON.stringify({ type: 'error', code: 'NO_TENANT', message, seq: 0 }));
        void pageSide.close({ code: 4006, reason: 'no tenant' });
        void serverSide.close();
      });
    });
    await page.goto(`${chat.url}/`);
    const banner = page.locator('.banner p');
    await banner.waitFor({ state: 'visible' });
    expect(await banner.textContent()).toBe(`The chat could not connect: ${message}`);
    await page.clock.runFor(60_000);
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    expect(attempts).toEqual({ websocket: 1, check: 0, stream: 0 });
    await context.close();
  });
});

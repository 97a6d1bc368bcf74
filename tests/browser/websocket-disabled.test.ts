import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.js';
import { newUserContext, startChatServer, type ChatServer } from './chat-server.js';

/** DISABLE_WEBSOCKET=true: the page says plainly that live chat is off instead of reconnecting forever. */

let chat: ChatServer;
let browser: Browser;
beforeAll(async () => {
  [chat, browser] = await Promise.all([startChatServer({ DISABLE_WEBSOCKET: 'true' }), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await chat?.close();
});

describe('the page with live chat turned off', () => {
  it('shows the server\'s reason in the banner and stops trying to connect', async () => {
    const context = await newUserContext(browser);
    const page = await context.newPage();
    let attempts = 0;
    page.on('websocket', () => (attempts += 1));
    await page.goto(`${chat.url}/`);
    const banner = page.locator('.banner p');
    await banner.waitFor({ state: 'visible' });
    expect(await banner.textContent()).toBe('Live chat is turned off on this server (DISABLE_WEBSOCKET).');
    // A retrying page would have opened several sockets by now (its first retry comes after 300 ms).
    await page.waitForTimeout(1500);
    expect(attempts).toBe(1);
    await context.close();
  });
});

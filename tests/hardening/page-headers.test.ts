import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newContext } from '../support/browser.js';
import { connect } from '../support/ws-client.js';
import { startChatServer, type ChatServer } from '../browser/chat-server.js';

/**
 * Checklist 40 and the PUBLIC_URL pin: the app page is reachable only where it carries its CSP, and
 * with PUBLIC_URL set a WebSocket upgrade must come from exactly that origin.
 */

let chat: ChatServer;
let browser: Browser;
beforeAll(async () => {
  [chat, browser] = await Promise.all([startChatServer(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await chat?.close();
});

describe('the page under a second URL', () => {
  it('does not serve index.html under /static/, raw or encoded', async () => {
    for (const path of ['/static/index.html', '/static/%69ndex.html', '/static/./index.html', '/static/partials/chat-message.html']) {
      const res = await fetch(`${chat.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toContain('application/json');
    }
  });

  it('never runs the app in Chromium from /static/index.html', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const response = await page.goto(`${chat.url}/static/index.html`);
    expect(response?.status()).toBe(404);
    // The app's shell (Alpine on <body>) never appears and no WebSocket is opened.
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await page.waitForTimeout(300);
    expect(await page.locator('[x-data]').count()).toBe(0);
    expect(sockets).toEqual([]);
    await context.close();
  });

  it('carries the CSP on the page at / in Chromium, where inline script is refused', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const response = await page.goto(`${chat.url}/`);
    expect(await response?.headerValue('content-security-policy')).toContain("script-src 'self'");
    expect(await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      document.body.append(s);
      return (window as unknown as { __inlineRan?: boolean }).__inlineRan === true;
    })).toBe(false);
    await context.close();
  });

  it('refuses a request URL longer than MAX_URL_CHARS with 414', async () => {
    const res = await fetch(`${chat.url}/static/${'a'.repeat(2100)}`);
    expect(res.status).toBe(414);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('URL_TOO_LONG');
  });
});

describe('PUBLIC_URL', () => {
  let pinned: ChatServer;
  beforeAll(async () => {
    pinned = await startChatServer({ PUBLIC_URL: 'https://chat.example.com' });
  });
  afterAll(async () => pinned?.close());

  it('names only its wss origin in the CSP connect-src, whatever Host says', async () => {
    const res = await fetch(`${pinned.url}/`, { headers: { Host: 'evil.example' } });
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("connect-src 'self' wss://chat.example.com;");
    expect(csp).not.toContain('evil.example');
  });

  it('refuses an upgrade whose Origin matches the Host but not PUBLIC_URL (DNS rebinding)', async () => {
    const wsUrl = pinned.url.replace('http', 'ws') + '/ws';
    const host = new URL(pinned.url).host;
    await expect(connect(wsUrl, { origin: `http://${host}` })).rejects.toMatchObject({ status: 403 });
    await expect(connect(wsUrl, { origin: 'https://chat.example.com.evil.com' })).rejects.toMatchObject({ status: 403 });
    const ok = await connect(wsUrl, { origin: 'https://chat.example.com' });
    ok.close();
  });
});

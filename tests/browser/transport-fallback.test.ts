import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it, vi } from 'vitest';
import { launchBrowser } from '../support/browser.js';
import { answerChunks } from '../support/chunks.js';
import { scriptFromChunks } from '../support/fake-upstream.js';
import { nginxAvailable, startNginx, type NginxProxy } from '../support/nginx.js';
import { connect } from '../support/ws-client.js';
import { lastAnswer, lastAnswerText, newUserContext, sendMessage, startChatServer, startForwarder, waitForAnswerEnd, waitForReady, type ChatServer } from './chat-server.js';

/**
 * A network that blocks WebSockets: the shipped nginx configuration, changed only to answer every
 * upgrade with 403 (as some corporate proxies do), in front of the real server. The page must fall
 * back to HTTP streaming, chat, and survive the stream being cut mid-answer. A TCP forwarder between
 * the browser and nginx is the network that can be cut.
 */

const SECRET = 'fallback-test-proxy-secret-19c2';
const PASSWORD = 'hunter2 but longer';
const hasNginx = nginxAvailable();
let userCounter = 0;

describe.skipIf(!hasNginx)('the page behind a proxy that refuses WebSocket upgrades', () => {
  let chat: ChatServer;
  let proxy: NginxProxy;
  let network: Awaited<ReturnType<typeof startForwarder>>;
  let browser: Browser;
  let context: BrowserContext;
  let email: string;

  beforeAll(async () => {
    vi.setConfig({ expect: { poll: { timeout: 10_000, interval: 50 } } });
    chat = await startChatServer({ TEST_MODE: 'false', PROXY_SECRET: SECRET, RESUME_GRACE_MS: '30000' });
    proxy = await startNginx({
      upstream: `127.0.0.1:${chat.server.port}`,
      proxySecret: SECRET,
      users: Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`fallback-${i}@example.com`, PASSWORD])),
      refuseWebSocketUpgrades: true,
    });
    network = await startForwarder(proxy.port);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await network?.close();
    await proxy?.close();
    await chat?.close();
  });
  beforeEach(async () => {
    email = `fallback-${userCounter++}@example.com`;
    // The proxy signs people in (basic auth) and sets X-EMAIL-USER itself; the page sends no identity.
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, httpCredentials: { username: email, password: PASSWORD } });
  });
  afterEach(async () => context?.close());

  it('the proxy really refuses upgrades and passes plain requests', async () => {
    const auth = { Authorization: `Basic ${Buffer.from(`${email}:${PASSWORD}`).toString('base64')}` };
    await expect(connect(`ws://127.0.0.1:${proxy.port}/ws`, { email: null, origin: proxy.url, headers: auth })).rejects.toMatchObject({ status: 403 });
    const check = await fetch(`${proxy.url}/api/connection-check?origin=${encodeURIComponent(proxy.url)}`, { headers: auth });
    expect(await check.json()).toEqual({ ok: true, websocket: true, eventStream: '/sse' });
  });

  it('falls back to HTTP streaming, chats, and resumes a cut stream without losing or repeating text', async () => {
    const page = await context.newPage();
    let handshakes = 0;
    page.on('websocket', () => (handshakes += 1));
    const streamUrls: URL[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/sse') streamUrls.push(url);
    });
    await page.goto(`http://127.0.0.1:${network.port}/`);
    await waitForReady(page);
    expect(await page.locator('.app').getAttribute('data-transport')).toBe('stream');
    expect(handshakes).toBe(2);
    expect(await page.getByText(`Signed in as ${email}`, { exact: true }).isVisible()).toBe(true);

    // About 4 s of answer, so part of it streams before the cut and part after the resume.
    const words = Array.from({ length: 200 }, (_, i) => `w${i}`).join(' ');
    chat.upstream.enqueue(scriptFromChunks(answerChunks(words), { delayMs: 20 }));
    await sendMessage(page, 'Count through the proxy');
    await expect.poll(() => lastAnswer(page).locator('.markdown').textContent()).toContain('w10');

    network.dropConnections();
    await waitForAnswerEnd(page);
    expect(await lastAnswerText(page)).toBe(words);
    expect(await page.locator('[data-role="assistant"]').count()).toBe(1);
    expect(await page.locator('[data-role="user"] .user-text').allTextContents()).toEqual(['Count through the proxy']);

    // The reconnect resumed the same chat from the last event it had, over the stream again.
    expect(streamUrls.length).toBeGreaterThanOrEqual(2);
    const resumed = streamUrls.at(-1)!.searchParams;
    expect(resumed.get('sessionId')).toMatch(/^s_/);
    expect(Number(resumed.get('lastSeq'))).toBeGreaterThan(0);
    expect(handshakes).toBe(2);
    expect(chat.upstream.requests.at(-1)!.body.messages.at(-1)).toEqual({ role: 'user', content: 'Count through the proxy' });
  });
});

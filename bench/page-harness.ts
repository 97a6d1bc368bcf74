import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import type { Page, WebSocketRoute } from 'playwright-core';
import { withPartials } from '../server/routers/page-router.js';
import { loadVendor } from '../server/routers/static-assets.js';

/**
 * Serves the chat page to a Playwright page without the real server: static files from static/,
 * the server's own vendor module and libraries, the production headers, and a scripted WebSocket the
 * caller drives. Used by the render benchmark, which must measure the page alone, not the relay.
 */

const ROOT = resolve(import.meta.dirname, '..');
export const HARNESS_ORIGIN = 'http://galaxy.bench';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

const VENDOR = loadVendor();

const HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
    `connect-src 'self' ws://galaxy.bench; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'`,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

async function fileBody(relative: string): Promise<Buffer | null> {
  const path = normalize(join(ROOT, relative));
  if (!path.startsWith(ROOT)) return null;
  return readFile(path).catch(() => null);
}

/** The page as the server builds it: partials included (else no message would ever be drawn). */
async function pageBody(appName: string): Promise<string | null> {
  const html = await fileBody('static/index.html');
  if (!html) return null;
  const partials = new Map<string, string>();
  for (const [, name] of html.toString('utf8').matchAll(/<!--#include ([\w-]+\.html)-->/g)) {
    const partial = await fileBody(`static/partials/${name}`);
    if (partial) partials.set(name!, partial.toString('utf8'));
  }
  return withPartials(html.toString('utf8'), (name) => partials.get(name)).replaceAll('__APP_NAME__', appName);
}

export interface FakeSocket {
  /** Resolves with the page's side of the socket once it said hello. */
  connected: Promise<WebSocketRoute>;
  send(event: Record<string, unknown>): void;
  /** Client messages received so far (parsed). */
  received: Array<Record<string, unknown>>;
}

export interface HarnessOptions {
  appName?: string;
  /** Page paths answered with another file of the repository (e.g. a baseline renderer). */
  replacements?: Record<string, string>;
}

/** Routes the page's HTTP and WebSocket traffic; call before `page.goto(HARNESS_ORIGIN + '/')`. */
export async function serveChatPage(page: Page, { appName = 'Galaxy Bench', replacements = {} }: HarnessOptions = {}): Promise<FakeSocket> {
  await page.route(`${HARNESS_ORIGIN}/**`, async (route) => {
    const url = new URL(route.request().url());
    let body: Buffer | string | null = null;
    if (url.pathname === '/') {
      body = await pageBody(appName);
    } else if (url.pathname === '/static/vendor.js') {
      body = VENDOR.module.body;
    } else if (VENDOR.files.has(url.pathname)) {
      body = VENDOR.files.get(url.pathname)!.body;
    } else if (replacements[url.pathname]) {
      body = await fileBody(replacements[url.pathname]!);
    } else if (url.pathname.startsWith('/static/')) {
      body = await fileBody(decodeURIComponent(url.pathname));
    }
    if (body === null) return route.fulfill({ status: 404, body: 'not found' });
    const type = url.pathname === '/' ? CONTENT_TYPES['.html'] : CONTENT_TYPES[extname(url.pathname)];
    await route.fulfill({ status: 200, body, headers: { ...HEADERS, 'content-type': type ?? 'application/octet-stream' } });
  });

  let seq = 0;
  let current: WebSocketRoute | null = null;
  const received: Array<Record<string, unknown>> = [];
  let resolveConnected!: (socket: WebSocketRoute) => void;
  const connected = new Promise<WebSocketRoute>((resolveSocket) => (resolveConnected = resolveSocket));
  await page.routeWebSocket(`${HARNESS_ORIGIN.replace('http', 'ws')}/ws`, (socket) => {
    current = socket;
    socket.onMessage((raw) => {
      const message = JSON.parse(String(raw)) as Record<string, unknown>;
      received.push(message);
      if (message.type === 'hello') resolveConnected(socket);
    });
  });
  return {
    connected,
    received,
    send(event) {
      current?.send(JSON.stringify({ seq: ++seq, ...event }));
    },
  };
}

/** A `ready` event with one demo model and no tools, enough for the page to become usable. */
export function readyEvent(sessionId = 'bench-session'): Record<string, unknown> {
  return {
    type: 'ready',
    v: 1,
    appName: 'Galaxy Bench',
    user: 'bench@example.com',
    testMode: true,
    resumed: false,
    session: { id: sessionId, model: 'demo', tools: [], dataSources: [], locked: false, startedAt: new Date().toISOString() },
    models: [{ name: 'demo', label: 'Demo', provider: 'demo', demo: true, available: true }],
    tools: [],
    dataSources: [],
    limits: { maxMessageChars: 32000 },
  };
}

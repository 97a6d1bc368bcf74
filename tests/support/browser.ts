import { IDENTITY_COOKIE } from './identity-proxy.js';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator } from 'playwright-core';

/**
 * Launches Debian's Chromium for browser tests, benchmarks and screenshots. Playwright gives every
 * launch a fresh temporary profile (and removes it on close), and every test takes a new context.
 * Background networking is off, so the only requests the browser makes are the page's own — the
 * exfiltration tests count them.
 */

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** A context with the viewport most tests use; pass options to override (e.g. `bypassCSP`). */
/**
 * A browser context. Its X-EMAIL-USER header (if any) is also set as the identity cookie, which the
 * test servers' identity proxy turns back into the header: Chromium sends extra headers on page
 * requests but not on WebSocket handshakes, and the person must be the same on both.
 */
export async function newContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  const email = Object.entries(options.extraHTTPHeaders ?? {}).find(([name]) => name.toLowerCase() === 'x-email-user')?.[1];
  // Cookies are per host, not per port: this reaches every test server on 127.0.0.1.
  if (email) await context.addCookies([{ name: IDENTITY_COOKIE, value: encodeURIComponent(email), domain: '127.0.0.1', path: '/' }]);
  return context;
}

/** An element's scrollTop once it has stayed the same for five animation frames (a wheel scroll may still be gliding). */
export function scrollTopAtRest(element: Locator): Promise<number> {
  return element.evaluate(
    (node) =>
      new Promise<number>((resolve) => {
        let last = node.scrollTop;
        let still = 0;
        const look = () => {
          still = node.scrollTop === last ? still + 1 : 0;
          last = node.scrollTop;
          if (still >= 5) resolve(last);
          else requestAnimationFrame(look);
        };
        requestAnimationFrame(look);
      }),
  );
}

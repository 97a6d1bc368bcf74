import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { launchBrowser } from '../support/browser.js';
import { tinyPdf } from '../support/tiny-pdf.js';
import { FAKE_MODEL, OTHER_MODEL, newUserContext, openChat, sendMessage, startChatServer, waitForAnswerEnd, waitForReady, type ChatServer } from './chat-server.js';

/** Attachments as a person uses them: the "Attach file" button, chips, the upstream's view, a reload. */

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a0e5c9c40000000049454e44ae426082', 'hex');

let chat: ChatServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  vi.setConfig({ expect: { poll: { timeout: 10_000, interval: 50 } } });
  // The default fake model accepts images; the other fake model does not.
  [chat, browser] = await Promise.all([startChatServer({ TEST_MODE: 'false' }, { fakeModelLines: ['    vision: true'] }), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await chat?.close();
});

beforeEach(async () => {
  context = await newUserContext(browser, { viewport: { width: 1280, height: 900 } });
  page = await openChat(context, chat.url);
});

afterEach(async () => {
  await context.close();
});

async function attach(files: Array<{ name: string; mimeType: string; buffer: Buffer }>): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Attach file' }).click();
  await (await chooser).setFiles(files);
}

const tray = () => page.getByRole('list', { name: 'Files to send' });
/** The tray's chip labels, without their Remove buttons. */
const trayLabels = () => tray().locator('.attachment-chip > span').allTextContents();
const lastUserContent = () => {
  const messages = chat.upstream.requests.at(-1)!.body.messages as Array<{ role: string; content: unknown }>;
  return messages.filter((m) => m.role === 'user').at(-1)!.content;
};

describe('attaching files', () => {
  it('attaches a text file and a PDF with "Attach file": chips on the message, their text upstream, chips again after a reload', async () => {
    await attach([
      { name: 'notes.md', mimeType: 'text/markdown', buffer: Buffer.from('# Plan\nShip the zebra release.\n') },
      { name: 'report.pdf', mimeType: 'application/pdf', buffer: tinyPdf(['Revenue grew 17 percent']) },
    ]);
    await expect.poll(() => trayLabels()).toEqual(['notes.md · 31 bytes', expect.stringMatching(/^report\.pdf · \d+ bytes$/)]);
    expect(await tray().getByRole('button', { name: 'Remove notes.md' }).count()).toBe(1);
    const requestsBefore = chat.upstream.requests.length;
    await sendMessage(page, 'What do these say?');
    const chips = page.locator('[data-role="user"]').last().getByRole('list', { name: 'Attached files' }).getByRole('listitem');
    await expect.poll(() => chips.allTextContents()).toEqual(['notes.md · 31 bytes', expect.stringMatching(/^report\.pdf · \d+ bytes$/)]);
    await waitForAnswerEnd(page);
    expect(chat.upstream.requests.length).toBe(requestsBefore + 1);
    const content = lastUserContent() as string;
    expect(content).toContain('What do these say?');
    expect(content).toContain('[Attached file: notes.md]\n# Plan\nShip the zebra release.\n');
    expect(content).toContain('[Attached file: report.pdf]\nRevenue grew 17 percent');
    await expect.poll(() => tray().isVisible()).toBe(false);

    await page.reload();
    await waitForReady(page);
    await expect.poll(() => page.getByRole('list', { name: 'Attached files' }).getByRole('listitem').first().textContent()).toBe('notes.md · 31 bytes');
  });

  it('treats an SVG with script as text: shown only by name, nothing runs', async () => {
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>';
    await attach([{ name: '<img src=x onerror=alert(3)>.svg', mimeType: 'image/svg+xml', buffer: Buffer.from(svg) }]);
    // Sent only once its upload is done (the chip is in the tray), as the other cases wait too.
    await expect.poll(() => trayLabels()).toEqual([`<img src=x onerror=alert(3)>.svg · ${svg.length} bytes`]);
    await sendMessage(page, 'Is this safe?');
    await waitForAnswerEnd(page);
    const chip = page.locator('[data-role="user"]').last().locator('.attachment-chip');
    expect(await chip.textContent()).toBe(`<img src=x onerror=alert(3)>.svg · ${svg.length} bytes`);
    expect(await page.locator('.messages img, .messages svg:not([aria-hidden])').count()).toBe(0);
    expect(lastUserContent()).toContain(`[Attached file: <img src=x onerror=alert(3)>.svg]\n${svg}`);
    expect(dialogs).toEqual([]);
  });

  it('sends an image to the model that accepts images and refuses it, in plain words, for one that does not', async () => {
    await page.getByRole('combobox', { name: 'Model' }).selectOption(OTHER_MODEL.name);
    await attach([{ name: 'dot.png', mimeType: 'image/png', buffer: PNG }]);
    await expect.poll(() => trayLabels()).toEqual([`dot.png · ${PNG.length} bytes`]);
    const requestsBefore = chat.upstream.requests.length;
    await sendMessage(page, 'What is this?');
    await expect.poll(() => page.getByText(`${OTHER_MODEL.label} does not accept images, so dot.png cannot be sent`).count()).toBeGreaterThan(0);
    expect(chat.upstream.requests.length).toBe(requestsBefore);
    // Nothing was sent: the message is not in the chat, and its text and image are back in the composer.
    await expect.poll(() => trayLabels()).toEqual([`dot.png · ${PNG.length} bytes`]);
    expect(await page.getByRole('textbox', { name: 'Message' }).inputValue()).toBe('What is this?');
    expect(await page.locator('[data-role="user"]').count()).toBe(0);

    await page.getByRole('combobox', { name: 'Model' }).selectOption(FAKE_MODEL.name);
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await waitForAnswerEnd(page);
    expect(lastUserContent()).toEqual([
      { type: 'text', text: 'What is this?' },
      { type: 'text', text: '[Attached image: dot.png]' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG.toString('base64')}` } },
    ]);
  });

  it('attaches files dropped onto the composer or pasted into the message box', async () => {
    await page.evaluate(() => {
      const files = new DataTransfer();
      files.items.add(new File(['dropped words'], 'drop.txt', { type: 'text/plain' }));
      const composer = document.querySelector('form.composer')!;
      composer.dispatchEvent(new DragEvent('dragover', { dataTransfer: files, bubbles: true, cancelable: true }));
      composer.dispatchEvent(new DragEvent('drop', { dataTransfer: files, bubbles: true, cancelable: true }));
      const pasted = new DataTransfer();
      pasted.items.add(new File(['pasted words'], 'paste.txt', { type: 'text/plain' }));
      document.querySelector('#message-input')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: pasted, bubbles: true, cancelable: true }));
    });
    await expect.poll(() => trayLabels()).toEqual(['drop.txt · 13 bytes', 'paste.txt · 12 bytes']);
    await tray().getByRole('button', { name: 'Remove paste.txt' }).click();
    await sendMessage(page, 'Dropped');
    await waitForAnswerEnd(page);
    const content = lastUserContent() as string;
    expect(content).toContain('[Attached file: drop.txt]\ndropped words');
    expect(content).not.toContain('paste.txt');
  });
});

describe('downloading and the storage quota', () => {
  it('makes each chip on a sent message a download link named after the file, whose URL gives the file back', async () => {
    const notes = '# Plan\n<script>alert(1)</script>\n';
    await attach([{ name: 'notes.md', mimeType: 'text/markdown', buffer: Buffer.from(notes) }]);
    await expect.poll(() => trayLabels()).toEqual([`notes.md · ${notes.length} bytes`]);
    await sendMessage(page, 'Keep this');
    await waitForAnswerEnd(page);
    const link = page.locator('[data-role="user"]').last().getByRole('link', { name: `Download notes.md · ${notes.length} bytes` });
    await expect.poll(() => link.count()).toBe(1);
    expect(await link.getAttribute('download')).toBe('');
    const href = (await link.getAttribute('href'))!;
    expect(href).toMatch(/^\/api\/attachments\/f_[A-Za-z0-9_-]+$/);
    // Chromium leaves context-wide headers (our identity) off <a download> requests, so fetch the URL from the page.
    const fetched = await page.evaluate(async (url) => {
      const res = await fetch(url);
      return { status: res.status, type: res.headers.get('content-type'), disposition: res.headers.get('content-disposition'), body: await res.text() };
    }, href);
    expect(fetched).toEqual({ status: 200, type: 'text/markdown; charset=utf-8', disposition: `attachment; filename="notes.md"; filename*=UTF-8''notes.md`, body: notes });
    // The link survives a reload (history gives the same ids).
    await page.reload();
    await waitForReady(page);
    await expect.poll(() => page.getByRole('link', { name: `Download notes.md · ${notes.length} bytes` }).getAttribute('href')).toBe(href);
  });

  it('says in plain words when a file would pass the storage quota, and keeps the files already attached', async () => {
    const small = await startChatServer({ TEST_MODE: 'false', ATTACHMENT_QUOTA_MB_PER_USER: '1', ATTACHMENT_MAX_BYTES: String(600 * 1024) });
    const quotaContext = await newUserContext(browser, { viewport: { width: 1280, height: 900 } });
    try {
      page = await openChat(quotaContext, small.url);
      await attach([{ name: 'first.txt', mimeType: 'text/plain', buffer: Buffer.alloc(600 * 1024, 'a') }]);
      await expect.poll(() => trayLabels()).toEqual(['first.txt · 600 KB']);
      await attach([{ name: 'second.txt', mimeType: 'text/plain', buffer: Buffer.alloc(600 * 1024, 'b') }]);
      await expect
        .poll(() => page.getByText('second.txt (600 KB) does not fit: your files already use 600 KB of the 1 MB you may store').count())
        .toBeGreaterThan(0);
      await expect.poll(() => trayLabels()).toEqual(['first.txt · 600 KB']);
    } finally {
      await quotaContext.close();
      await small.close();
    }
  });
});

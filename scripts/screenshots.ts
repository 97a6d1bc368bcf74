import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { startServer } from '../server/app.js';
import { launchBrowser, newContext } from '../tests/support/browser.js';
import { startIdentityProxy } from '../tests/support/identity-proxy.js';

/**
 * Saves screenshots of the chat page to screenshots/: desktop (1440×900) and phone (390×844), each
 * mid-answer, with a finished answer containing a highlighted code block, and with a tool result;
 * on the phone also the Tools sheet. The server
 * runs with the built-in demo model, so no key or network is needed.
 *
 *   npm run screenshots
 */

const OUT_DIR = resolve(import.meta.dirname, '..', 'screenshots');

const VIEWPORTS: Array<{ name: string; options: BrowserContextOptions }> = [
  { name: 'desktop', options: { viewport: { width: 1440, height: 900 } } },
  { name: 'phone', options: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true } },
];

const LLMS_YAML = [
  'llms:',
  '  - name: demo',
  '    provider: demo',
  '  - name: gpt-4o',
  '    label: GPT-4o',
  '    provider: openai',
  '    api_key: ${GALAXY_SCREENSHOTS_UNSET_KEY}',
  '    model_name: gpt-4o',
  '',
].join('\n');

async function waitForReady(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const select = document.querySelector('select#model-select') as HTMLSelectElement | null;
    return Boolean(select && !select.disabled && select.options.length > 0);
  });
}

async function send(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  // A touch screen sends with the button (its Enter is a newline), as a person there would.
  await page.getByRole('button', { name: 'Send', exact: true }).click();
}

async function waitForIdle(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Stop' }).waitFor({ state: 'hidden', timeout: 30_000 });
  await page.waitForTimeout(300);
}

async function shoot(page: Page, file: string): Promise<void> {
  await page.screenshot({ path: join(OUT_DIR, file) });
  console.log(`  saved screenshots/${file}`);
}

async function captureViewport(browser: Browser, baseUrl: string, name: string, options: BrowserContextOptions): Promise<void> {
  // Each viewport is its own person (the proxy header), so each starts from an empty chat.
  const context = await newContext(browser, { ...options, extraHTTPHeaders: { 'X-EMAIL-USER': `${name}@example.com` } });
  try {
    const page = await context.newPage();
    await page.goto(`${baseUrl}/`);
    await waitForReady(page);
    await shoot(page, `${name}-empty.png`);
    // Narrow screens keep the tool and data-source choices in a sheet behind the "Tools" button.
    const toolsButton = page.getByRole('button', { name: 'Tools', exact: true });
    if (await toolsButton.isVisible()) {
      await toolsButton.click();
      await page.getByRole('dialog', { name: 'Tools and data' }).waitFor();
      await shoot(page, `${name}-tools-sheet.png`);
      await page.getByRole('button', { name: 'Done' }).click();
    }

    await send(page, 'Explain how streaming markdown rendering works in a chat page.');
    await page.waitForFunction(() => {
      const answer = [...document.querySelectorAll('[data-role="assistant"] .markdown')].pop();
      return (answer?.textContent ?? '').length > 160;
    });
    await shoot(page, `${name}-mid-answer.png`);
    await waitForIdle(page);
    await shoot(page, `${name}-code-block.png`);

    await send(page, 'Show the 5 latest sales orders');
    await waitForIdle(page);
    // Bring the tool's table to the top of the view rather than the summary below it.
    await page.locator('[data-role="tool"]').last().evaluate((tool) => tool.scrollIntoView({ block: 'start' }));
    await page.waitForTimeout(200);
    await shoot(page, `${name}-tool-table.png`);

    // A file attached with the "Attach file" button: its chip in the tray, then on the sent message.
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Attach file' }).click();
    await (await chooser).setFiles([{ name: 'release-notes.md', mimeType: 'text/markdown', buffer: Buffer.from('# Release 2.4\n- Faster search\n- Attachments\n') }]);
    await page.locator('.attachment-tray .attachment-chip').filter({ hasText: 'bytes' }).waitFor();
    await send(page, 'Summarise the attached release notes');
    await waitForIdle(page);
    // The message with its chip at the top, the answer below it.
    await page.locator('[data-role="user"]').last().evaluate((message) => message.scrollIntoView({ block: 'start' }));
    await page.waitForTimeout(200);
    await shoot(page, `${name}-attachment.png`);
  } finally {
    await context.close();
  }
}

async function main(): Promise<void> {
  await mkdir(OUT_DIR, { recursive: true });
  const workDir = await mkdtemp(join(tmpdir(), 'galaxy-screenshots-'));
  const llmsFile = join(workDir, 'llms.yml');
  await writeFile(llmsFile, LLMS_YAML);
  const server = await startServer({
    env: {
      PORT: '0',
      TEST_MODE: 'true',
      LOG_LEVEL: 'warn',
      APP_NAME: 'Galaxy Chat',
      LLM_CONFIG_FILE: llmsFile,
      DEFAULT_MODEL: 'demo',
      LOGS_DIR: join(workDir, 'logs'),
      DATABASE_URL: `sqlite:${join(workDir, 'galaxy.db')}`,
      DATA_DIR: join(workDir, 'data'),
      CODE_WARM_POOL: '0',
    },
  });
  // As in the browser tests: the identity proxy gives each viewport's socket its own person too.
  const proxy = await startIdentityProxy(server.port);
  const browser = await launchBrowser();
  try {
    for (const { name, options } of VIEWPORTS) await captureViewport(browser, proxy.url, name, options);
  } finally {
    await browser.close();
    await proxy.close();
    await server.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

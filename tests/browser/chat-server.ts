import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { newContext } from '../support/browser.js';
import { startServer, type RunningServer } from '../../server/app.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startIdentityProxy } from '../support/identity-proxy.js';

/**
 * Starts the real server with a fake upstream for the browser tests: two fake models (so switching
 * can be observed upstream), the demo model, and one model that is unavailable (no API key).
 */

export interface ChatServer {
  server: RunningServer;
  upstream: FakeUpstream;
  url: string;
  /** The temp dir holding the database; pass it as `reuseDir` to start a server on the same data. */
  dir: string;
  close(): Promise<void>;
}

export interface ChatServerOptions {
  /** Start on an earlier server's dir (same DATABASE_URL) instead of a fresh one. */
  reuseDir?: string;
  /** Leave the dir in place on close(), so a later server can reuse it (the caller removes it). */
  keepDir?: boolean;
  /** Extra YAML lines for the default fake model (e.g. `    context_tokens: 400`). */
  fakeModelLines?: string[];
  /** Written as the tenants file; without it there is one implicit tenant. */
  tenantsYaml?: string;
}

export const FAKE_MODEL = { name: 'fake', label: 'Fake GPT', modelName: 'fake-model-a' };
export const OTHER_MODEL = { name: 'fake-b', label: 'Fake Claude', modelName: 'fake-model-b' };
export const BROKEN_MODEL = { name: 'keyless', label: 'Keyless model' };

function llmsYaml(baseUrl: string, fakeModelLines: string[] = []): string {
  return [
    'llms:',
    `  - name: ${FAKE_MODEL.name}`,
    `    label: ${FAKE_MODEL.label}`,
    '    provider: openai-compatible',
    `    base_url: ${baseUrl}`,
    '    api_key: test-key',
    `    model_name: ${FAKE_MODEL.modelName}`,
    ...fakeModelLines,
    `  - name: ${OTHER_MODEL.name}`,
    `    label: ${OTHER_MODEL.label}`,
    '    provider: openai-compatible',
    `    base_url: ${baseUrl}`,
    '    api_key: test-key',
    `    model_name: ${OTHER_MODEL.modelName}`,
    `  - name: ${BROKEN_MODEL.name}`,
    `    label: ${BROKEN_MODEL.label}`,
    '    provider: openai',
    `    base_url: ${baseUrl}`,
    '    api_key: ${GALAXY_TEST_UNSET_KEY}',
    '    model_name: never-called',
    '  - name: demo',
    '    provider: demo',
    '',
  ].join('\n');
}

export async function startChatServer(env: Record<string, string> = {}, options: ChatServerOptions = {}): Promise<ChatServer> {
  const dir = options.reuseDir ?? (await mkdtemp(join(tmpdir(), 'galaxy-page-')));
  const upstream = await startFakeUpstream();
  const llmsFile = join(dir, 'llms.yml');
  await writeFile(llmsFile, llmsYaml(upstream.baseUrl, options.fakeModelLines));
  const tenantsFile = join(dir, 'tenants.yml');
  if (options.tenantsYaml) await writeFile(tenantsFile, options.tenantsYaml);
  const server = await startServer({
    env: {
      PORT: '0',
      TEST_MODE: 'true',
      LOG_LEVEL: 'silent',
      APP_NAME: 'Galaxy <Test>',
      LLM_CONFIG_FILE: llmsFile,
      DEFAULT_MODEL: FAKE_MODEL.name,
      LOGS_DIR: join(dir, 'logs'),
      DATABASE_URL: `sqlite:${join(dir, 'galaxy.db')}`,
      DATA_DIR: join(dir, 'data'),
      LLM_STARTUP_CHECK: 'false',
      THINKING_INTERVAL_MS: '200',
      DELTA_FLUSH_MS: '16',
      CODE_WARM_POOL: '0',
      // Never the working directory's config/tenants.yml.
      TENANTS_CONFIG_FILE: tenantsFile,
      ...env,
    },
  });
  // The page is opened through the identity proxy (support/identity-proxy.ts), as behind the company's proxy.
  const proxy = await startIdentityProxy(server.port);
  return {
    server,
    upstream,
    url: proxy.url,
    dir,
    async close() {
      await proxy.close();
      await server.close();
      await upstream.close();
      if (!options.keepDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

let userCounter = 0;

/**
 * A context acting as its own person: the proxy identity header (trusted from loopback) gives every
 * context a fresh user, so each test starts with an empty chat instead of joining another test's.
 */
export function newUserContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const email = `page-${process.pid}-${++userCounter}@galaxy.test`;
  return newContext(browser, { ...options, extraHTTPHeaders: { 'X-EMAIL-USER': email, ...options.extraHTTPHeaders } });
}

/** Opens the chat page and waits until the socket said `ready` (the Model combobox is usable). */
export async function openChat(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${url}/`);
  await waitForReady(page);
  return page;
}

export async function waitForReady(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const select = document.querySelector('select#model-select') as HTMLSelectElement | null;
    return Boolean(select && !select.disabled && select.options.length > 0);
  });
}

/** Types into the message box and presses Enter, as a person would. */
/** Types and sends a message: Enter on a desktop, the Send button on a touch screen (Enter is a newline there). */
export async function sendMessage(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  const touch = await page.evaluate(() => window.matchMedia('(pointer: coarse)').matches);
  if (touch) await page.getByRole('button', { name: 'Send', exact: true }).click();
  else await box.press('Enter');
}

/** The last assistant message. */
export function lastAnswer(page: Page) {
  return page.locator('[data-role="assistant"]').last();
}

/** The rendered text of the last answer, as the reader sees it (block breaks trimmed at the ends). */
export async function lastAnswerText(page: Page): Promise<string> {
  const texts = await lastAnswer(page).locator('.markdown').allTextContents();
  return texts.join('').trim();
}

/**
 * Waits until the turn in progress has ended: sending sets the page busy at once (Stop shows), and
 * only the answer's end clears it, so this never mistakes an earlier answer for the new one.
 */
export async function waitForAnswerEnd(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Stop' }).waitFor({ state: 'hidden' });
  await lastAnswer(page).getByRole('button', { name: 'Good response' }).waitFor();
}

/**
 * A TCP forwarder in front of the server, so a test can restart the server (on a new port) while
 * the page keeps the same origin — the way a real deployment's proxy hides a restart.
 */
export async function startForwarder(targetPort: number): Promise<{ port: number; setTarget(port: number): void; dropConnections(): void; close(): Promise<void> }> {
  let target = targetPort;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    setTarget(port) {
      target = port;
    },
    /** Cuts every open connection, as a network blip would, and keeps accepting new ones. */
    dropConnections() {
      for (const socket of sockets) socket.destroy();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

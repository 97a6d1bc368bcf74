import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../server/app.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';

/**
 * Starts the real server with a fake upstream for the browser tests: two fake models (so switching
 * can be observed upstream), the demo model, and one model that is unavailable (no API key).
 */

export interface ChatServer {
  server: RunningServer;
  upstream: FakeUpstream;
  url: string;
  close(): Promise<void>;
}

export const FAKE_MODEL = { name: 'fake', label: 'Fake GPT', modelName: 'fake-model-a' };
export const OTHER_MODEL = { name: 'fake-b', label: 'Fake Claude', modelName: 'fake-model-b' };
export const BROKEN_MODEL = { name: 'keyless', label: 'Keyless model' };

function llmsYaml(baseUrl: string): string {
  return [
    'llms:',
    `  - name: ${FAKE_MODEL.name}`,
    `    label: ${FAKE_MODEL.label}`,
    '    provider: openai-compatible',
    `    base_url: ${baseUrl}`,
    '    api_key: test-key',
    `    model_name: ${FAKE_MODEL.modelName}`,
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

export async function startChatServer(env: Record<string, string> = {}): Promise<ChatServer> {
  const dir = await mkdtemp(join(tmpdir(), 'galaxy-page-'));
  const upstream = await startFakeUpstream();
  const llmsFile = join(dir, 'llms.yml');
  await writeFile(llmsFile, llmsYaml(upstream.baseUrl));
  const server = await startServer({
    env: {
      PORT: '0',
      TEST_MODE: 'true',
      LOG_LEVEL: 'silent',
      APP_NAME: 'Galaxy <Test>',
      LLM_CONFIG_FILE: llmsFile,
      DEFAULT_MODEL: FAKE_MODEL.name,
      LOGS_DIR: join(dir, 'logs'),
      DATA_DIR: join(dir, 'data'),
      DISABLE_LLM_CALLS: 'true',
      THINKING_INTERVAL_MS: '200',
      DELTA_FLUSH_MS: '16',
      CODE_WARM_POOL: '0',
      ...env,
    },
  });
  return {
    server,
    upstream,
    url: server.url,
    async close() {
      await server.close();
      await upstream.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
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
export async function sendMessage(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
}

/** The text of the last assistant message, as the reader sees it. */
export function lastAnswer(page: Page) {
  return page.locator('[data-role="assistant"]').last();
}

/** Waits until the last answer has ended (its feedback buttons appear). */
export async function waitForAnswerEnd(page: Page): Promise<void> {
  await lastAnswer(page).getByRole('button', { name: 'Good response' }).waitFor();
}

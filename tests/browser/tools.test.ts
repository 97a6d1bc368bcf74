import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { answerChunks, toolCallAnswerChunks } from '../support/chunks.js';
import { scriptFromChunks } from '../support/fake-upstream.js';
import { launchBrowser } from '../support/browser.js';
import {
  lastAnswer,
  lastAnswerText,
  newUserContext,
  openChat,
  sendMessage,
  startChatServer,
  waitForAnswerEnd,
  waitForReady,
  type ChatServer,
} from './chat-server.js';

/** Tool and data-source selection, its lock, and how tool calls and their rich results look. */

let chat: ChatServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

const TOOL_IDS = ['basic_math', 'code_execution', 'user_lookup', 'sql_query'];
const SOURCE_IDS = ['directory', 'sales'];

beforeAll(async () => {
  // Two cores run two browser files at once: give page states time to arrive.
  vi.setConfig({ expect: { poll: { timeout: 10_000, interval: 50 } } });
  [chat, browser] = await Promise.all([startChatServer(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await chat?.close();
});

beforeEach(async () => {
  context = await newUserContext(browser);
});

afterEach(async () => {
  await context.close();
});

function enqueueToolTurn(call: { id: string; name: string; arguments: string }, finalText: string): void {
  chat.upstream.enqueue(
    scriptFromChunks(toolCallAnswerChunks(call), { delayMs: 5 }),
    scriptFromChunks(answerChunks(finalText), { delayMs: 5 }),
  );
}

const checkbox = (name: string) => page.getByRole('checkbox', { name });
const lock = () => page.getByRole('img', { name: /locked/ });

describe('choosing tools and data sources', () => {
  it('offers every tool and data source before the first message, then locks the choice; New chat unlocks', async () => {
    page = await openChat(context, chat.url);
    for (const id of [...TOOL_IDS, ...SOURCE_IDS]) {
      expect(await checkbox(id).isVisible()).toBe(true);
      expect(await checkbox(id).isEnabled()).toBe(true);
    }
    expect(await lock().isVisible()).toBe(false);

    if (await checkbox('code_execution').isChecked()) await checkbox('code_execution').uncheck();
    if (!(await checkbox('basic_math').isChecked())) await checkbox('basic_math').check();
    await expect.poll(() => checkbox('code_execution').isChecked()).toBe(false);

    chat.upstream.enqueue(scriptFromChunks(answerChunks('Noted.'), { delayMs: 5 }));
    await sendMessage(page, 'First message locks the tools');
    await waitForAnswerEnd(page);
    const offered = (chat.upstream.requests.at(-1)!.body.tools ?? []).map((tool: { function: { name: string } }) => tool.function.name);
    expect(offered).toContain('basic_math');
    expect(offered).not.toContain('code_execution');

    await expect.poll(() => lock().isVisible()).toBe(true);
    expect(await checkbox('basic_math').isDisabled()).toBe(true);
    expect(await checkbox('code_execution').count()).toBe(0); // unchosen tools are no longer offered

    await page.getByRole('button', { name: 'New chat' }).click();
    await expect.poll(() => lock().isVisible()).toBe(false);
    await expect.poll(() => checkbox('code_execution').isEnabled()).toBe(true);
  });
});

describe('choosing tools on a phone', () => {
  it('keeps the chips behind a "Tools" button whose sheet holds the same checkboxes', async () => {
    await context.close();
    context = await newUserContext(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    page = await openChat(context, chat.url);
    const toolsButton = page.getByRole('button', { name: 'Tools', exact: true });
    const sheet = page.getByRole('dialog', { name: 'Tools and data' });
    await toolsButton.waitFor();
    // No sideways-scrolling row: the footer shows the button, not the chips, and nothing overflows.
    expect(await checkbox('basic_math').isVisible()).toBe(false);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBe(0);

    await toolsButton.tap();
    await sheet.waitFor();
    for (const id of [...TOOL_IDS, ...SOURCE_IDS]) expect(await sheet.getByRole('checkbox', { name: id }).isVisible()).toBe(true);
    if (await checkbox('code_execution').isChecked()) await checkbox('code_execution').tap();
    if (!(await checkbox('basic_math').isChecked())) await checkbox('basic_math').tap();
    await sheet.getByRole('button', { name: 'Done' }).tap();
    await sheet.waitFor({ state: 'hidden' });
    expect(await checkbox('basic_math').isVisible()).toBe(false);

    chat.upstream.enqueue(scriptFromChunks(answerChunks('Noted.'), { delayMs: 5 }));
    await sendMessage(page, 'Tools chosen in the sheet');
    await waitForAnswerEnd(page);
    const offered = (chat.upstream.requests.at(-1)!.body.tools ?? []).map((tool: { function: { name: string } }) => tool.function.name);
    expect(offered).toContain('basic_math');
    expect(offered).not.toContain('code_execution');

    // Reopened after the first message: the chosen tool is there, locked (the button's name stays "Tools").
    await expect.poll(() => toolsButton.locator('.tools-lock').isVisible()).toBe(true);
    await toolsButton.tap();
    await expect.poll(() => sheet.getByRole('checkbox', { name: 'basic_math' }).isDisabled()).toBe(true);
    await page.keyboard.press('Escape');
    await sheet.waitFor({ state: 'hidden' });
  });

  it('shows the chips and no "Tools" button on a desktop', async () => {
    page = await openChat(context, chat.url);
    await checkbox('basic_math').waitFor();
    expect(await page.getByRole('button', { name: 'Tools', exact: true }).isVisible()).toBe(false);
  });
});

describe('tool calls', () => {
  it('shows a call collapsed, with its name, arguments and result', async () => {
    page = await openChat(context, chat.url);
    enqueueToolTurn({ id: 'call_math', name: 'basic_math', arguments: '{"expression":"6*7"}' }, 'The answer is 42.');
    await sendMessage(page, 'What is 6*7?');
    await waitForAnswerEnd(page);

    const tool = lastAnswer(page).locator('[data-role="tool"]');
    expect(await tool.count()).toBe(1);
    expect(await tool.locator('summary').textContent()).toContain('basic_math');
    expect(await tool.locator('summary').textContent()).toContain('6*7');
    expect(await tool.locator('details').evaluate((details) => (details as HTMLDetailsElement).open)).toBe(false);
    await tool.locator('summary').click();
    await expect.poll(() => tool.locator('.tool-result').textContent()).toContain('42');
    expect(await lastAnswerText(page)).toBe('The answer is 42.');
  });

  it('renders a table result that sorts by column when a header is clicked', async () => {
    page = await openChat(context, chat.url);
    enqueueToolTurn({ id: 'call_people', name: 'user_lookup', arguments: '{"query":"a","limit":5}' }, 'Here they are.');
    await sendMessage(page, 'Who has an a in their name?');
    await waitForAnswerEnd(page);

    const table = lastAnswer(page).locator('[data-role="tool"] table');
    await table.waitFor();
    const names = () => table.locator('tbody tr td:first-child').allTextContents();
    expect((await names()).length).toBeGreaterThan(1);
    const header = table.getByRole('button', { name: 'name' });
    await header.click();
    const ascending = await names();
    expect(ascending).toEqual([...ascending].sort((a, b) => a.localeCompare(b, undefined, { numeric: true, sensitivity: 'base' })));
    expect(await table.locator('th').first().getAttribute('aria-sort')).toBe('ascending');
    await header.click();
    expect(await names()).toEqual([...ascending].reverse());
    expect(await table.locator('th').first().getAttribute('aria-sort')).toBe('descending');
  });

  it('reports a failing tool call as an error, not a result', async () => {
    page = await openChat(context, chat.url);
    enqueueToolTurn({ id: 'call_bad', name: 'basic_math', arguments: '{"expression":"1/"}' }, 'That did not work.');
    await sendMessage(page, 'Break the calculator');
    await waitForAnswerEnd(page);
    const tool = lastAnswer(page).locator('[data-role="tool"]');
    await tool.locator('summary').click();
    await expect.poll(() => tool.getAttribute('data-state')).toBe('error');
    expect(await tool.locator('.tool-error').isVisible()).toBe(true);
  });
});

describe('rich tool results drawn by the page', () => {
  /** The server's own tools send tables; to see the other kinds, the test rewrites one result's `ui`. */
  async function openWithUiRewrite(ui: Record<string, unknown>): Promise<void> {
    page = await context.newPage();
    await page.routeWebSocket(/\/ws$/, (pageSide) => {
      const serverSide = pageSide.connectToServer();
      serverSide.onMessage((message) => {
        const event = JSON.parse(String(message)) as Record<string, unknown>;
        if (event.type === 'tool-result') event.ui = ui;
        pageSide.send(JSON.stringify(event));
      });
    });
    await page.goto(`${chat.url}/`);
    await waitForReady(page);
    enqueueToolTurn({ id: `call_${String(ui.type)}`, name: 'basic_math', arguments: '{"expression":"1+1"}' }, 'See above.');
    await sendMessage(page, `Show a ${String(ui.type)}`);
    await waitForAnswerEnd(page);
  }

  it('draws a chart with Chart.js loaded on demand', async () => {
    const requested: string[] = [];
    context.on('request', (request) => requested.push(new URL(request.url()).pathname));
    await openWithUiRewrite({
      type: 'chart',
      kind: 'bar',
      title: 'Revenue',
      labels: ['Q1', 'Q2', 'Q3'],
      datasets: [{ label: '2024', data: [3, 5, 4] }],
    });
    expect(requested.some((path) => path.includes('chart'))).toBe(true);
    const canvas = lastAnswer(page).locator('[data-role="tool"] canvas');
    expect(await canvas.getAttribute('aria-label')).toContain('Revenue');
    await expect.poll(() => page.evaluate(() => typeof (window as unknown as { Chart?: unknown }).Chart)).toBe('function');
    await expect.poll(() => canvas.evaluate((element) => (element as HTMLCanvasElement).width)).toBeGreaterThan(0);
  });

  it('sends a quick reply when its button is clicked', async () => {
    await openWithUiRewrite({ type: 'buttons', buttons: [{ label: 'Tell me more', message: 'Please tell me more' }] });
    chat.upstream.enqueue(scriptFromChunks(answerChunks('More details.'), { delayMs: 5 }));
    await page.getByRole('button', { name: 'Tell me more' }).click();
    await expect.poll(() => page.locator('[data-role="user"]').last().textContent()).toContain('Please tell me more');
    await expect.poll(() => lastAnswerText(page)).toBe('More details.');
  });

  it('shows code with its output, as text', async () => {
    await openWithUiRewrite({ type: 'code', language: 'python', code: 'print("<b>hi</b>")', output: '<b>hi</b>\n' });
    const ui = lastAnswer(page).locator('.tool-ui');
    expect(await ui.locator('pre code').textContent()).toBe('print("<b>hi</b>")');
    expect(await ui.locator('.code-output pre').textContent()).toBe('<b>hi</b>\n');
    expect(await ui.locator('b').count()).toBe(0);
  });
});

import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchBrowser, newContext } from '../support/browser.js';
import { openChat, sendMessage, startChatServer, waitForAnswerEnd, type ChatServer } from './chat-server.js';

/** The Tenant picker, the tenant's usage indicator and the BUDGET_EXCEEDED toast, as a person sees them. */
const TENANTS = `
tenants:
  - id: google
    name: Google
    members: ["*@google.example", "john@company.example"]
    tools: [basic_math, sql_query]
  - id: microsoft
    name: Microsoft
    members: ["*@microsoft.example", "john@company.example"]
    tools: [basic_math, user_lookup]
  - id: smallco
    name: Small Company
    members: ["*@small.example"]
    tools: [basic_math]
    budget: { monthly_requests: 1, warn_at: 0.5 }
`;

let chat: ChatServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  vi.setConfig({ expect: { poll: { timeout: 10_000, interval: 50 } } });
  [chat, browser] = await Promise.all([startChatServer({ LLM_MAX_RETRIES: '0' }, { tenantsYaml: TENANTS }), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await chat?.close();
});
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
});

async function as(email: string): Promise<BrowserContext> {
  const context = await newContext(browser, { extraHTTPHeaders: { 'X-EMAIL-USER': email } });
  contexts.push(context);
  return context;
}

describe('tenants in the page', () => {
  it('lets an internal employee pick the tenant of a new chat, which changes its tools and locks with the first message', async () => {
    const page = await openChat(await as('john@company.example'), chat.url);
    const tenant = page.getByRole('combobox', { name: 'Tenant' });
    await expect.poll(() => tenant.inputValue()).toBe('google');
    expect(await tenant.locator('option').allTextContents()).toEqual(['Google', 'Microsoft']);
    await page.getByRole('checkbox', { name: 'sql_query' }).waitFor();
    await tenant.selectOption('microsoft');
    await page.getByRole('checkbox', { name: 'user_lookup' }).waitFor();
    expect(await page.getByRole('checkbox', { name: 'sql_query' }).count()).toBe(0);
    await sendMessage(page, 'Hello Microsoft');
    await waitForAnswerEnd(page);
    await expect.poll(() => tenant.isDisabled()).toBe(true);
    await expect.poll(() => page.getByRole('navigation', { name: 'Chats' }).getByRole('listitem').first().textContent()).toContain('Microsoft');
    expect(chat.upstream.requests.at(-1)!.body.tools.map((t: { function: { name: string } }) => t.function.name).sort()).toEqual(['basic_math', 'user_lookup']);
  });

  it('shows no Tenant picker to someone who works for one tenant', async () => {
    const page = await openChat(await as('sam@google.example'), chat.url);
    await page.getByRole('checkbox', { name: 'sql_query' }).waitFor();
    expect(await page.getByRole('combobox', { name: 'Tenant' }).isVisible()).toBe(false);
  });

  it('shows the tenant’s budget, then the BUDGET_EXCEEDED toast when it is used up', async () => {
    const page = await openChat(await as('kim@small.example'), chat.url);
    await sendMessage(page, 'First question');
    await waitForAnswerEnd(page);
    const usage = page.getByRole('region', { name: 'Usage' });
    await expect.poll(() => usage.textContent()).toContain('Small Company has used its monthly requests');
    expect(await usage.getAttribute('class')).toContain('is-exhausted');
    const before = chat.upstream.requests.length;
    await sendMessage(page, 'Second question');
    await expect.poll(() => page.getByRole('alert').allTextContents()).toContainEqual(expect.stringContaining('Small Company has used its monthly budget of requests'));
    expect(chat.upstream.requests.length).toBe(before);
  });

  it('explains, instead of a chat, that someone belongs to no tenant', async () => {
    const context = await as('visitor@elsewhere.example');
    const page = await context.newPage();
    const response = await page.goto(chat.url);
    expect(response?.status()).toBe(403);
    expect(await page.getByRole('heading').textContent()).toContain('visitor@elsewhere.example');
    expect(await page.textContent('body')).toContain('not set up for any organisation');
  });
});

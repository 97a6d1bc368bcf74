import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { answerChunks } from '../support/chunks.js';
import { scriptFromChunks } from '../support/fake-upstream.js';
import { launchBrowser } from '../support/browser.js';
import { newUserContext, openChat, sendMessage, startChatServer, waitForAnswerEnd, type ChatServer } from './chat-server.js';

/** "Regenerate" and "Edit message", driven by their accessible names; the upstream shows what the model saw. */
let chat: ChatServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  vi.setConfig({ expect: { poll: { timeout: 10_000, interval: 50 } } });
  [chat, browser] = await Promise.all([startChatServer({ LLM_MAX_RETRIES: '0' }), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await chat?.close();
});
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
});

const userTexts = (body: { messages: Array<{ role: string; content: unknown }> }) => body.messages.filter((m) => m.role === 'user').map((m) => m.content);
const assistantTexts = (body: { messages: Array<{ role: string; content: unknown }> }) => body.messages.filter((m) => m.role === 'assistant').map((m) => m.content);

describe('answer actions', () => {
  it('regenerates the last answer from the same history and keeps the previous one as an earlier version', async () => {
    const context = await newUserContext(browser);
    contexts.push(context);
    const page = await openChat(context, chat.url);
    chat.upstream.enqueue(scriptFromChunks(answerChunks('The first answer')), scriptFromChunks(answerChunks('The second answer')));
    await sendMessage(page, 'Tell me something');
    await waitForAnswerEnd(page);
    await page.getByRole('button', { name: 'Regenerate' }).click();
    await expect.poll(() => page.locator('.message[data-role="assistant"]').count()).toBe(2);
    await waitForAnswerEnd(page);
    await expect.poll(() => page.locator('.message[data-role="assistant"]').last().textContent()).toContain('The second answer');
    const earlier = page.locator('.message[data-superseded="true"]');
    expect(await earlier.count()).toBe(1);
    expect(await earlier.textContent()).toContain('Earlier version');
    expect(await earlier.textContent()).toContain('The first answer');
    const body = chat.upstream.requests.at(-1)!.body;
    expect(userTexts(body)).toEqual(['Tell me something']);
    expect(assistantTexts(body)).toEqual([]);
    // Only the newest answer offers Regenerate.
    expect(await page.getByRole('button', { name: 'Regenerate' }).count()).toBe(1);
  });

  it('edits a message and resends: the upstream receives the edited history, the old branch stays visible', async () => {
    const context = await newUserContext(browser);
    contexts.push(context);
    const page = await openChat(context, chat.url);
    chat.upstream.enqueue(scriptFromChunks(answerChunks('Four')), scriptFromChunks(answerChunks('Yes')), scriptFromChunks(answerChunks('Six')));
    await sendMessage(page, 'What is 2+2?');
    await waitForAnswerEnd(page);
    await sendMessage(page, 'Are you sure?');
    await waitForAnswerEnd(page);
    await page.getByRole('button', { name: 'Edit message' }).first().click();
    const editor = page.getByRole('textbox', { name: 'Edit your message' });
    await editor.fill('What is 3+3?');
    await page.getByRole('button', { name: 'Resend' }).click();
    await expect.poll(() => page.locator('.message[data-role="assistant"]').last().textContent()).toContain('Six');
    await waitForAnswerEnd(page);
    const body = chat.upstream.requests.at(-1)!.body;
    expect(userTexts(body)).toEqual(['What is 3+3?']);
    expect(assistantTexts(body)).toEqual([]);
    expect(await page.locator('.message[data-superseded="true"]').count()).toBe(4);
    // After a reload the earlier branch is still there, marked, and the current one continues.
    await page.reload();
    await expect.poll(() => page.locator('.message[data-superseded="true"]').count()).toBe(4);
    expect(await page.locator('.message:not([data-superseded]) .user-text').allTextContents()).toEqual(['What is 3+3?']);
  });
});

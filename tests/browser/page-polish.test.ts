import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { answerChunks, finishChunk, roleChunk, textChunk } from '../support/chunks.js';
import { scriptFromChunks } from '../support/fake-upstream.js';
import { launchBrowser } from '../support/browser.js';
import {
  lastAnswer,
  newUserContext,
  openChat,
  sendMessage,
  startChatServer,
  waitForAnswerEnd,
  waitForReady,
  type ChatServer,
} from './chat-server.js';

/**
 * Rough edges of issue 12, each checked where a person would notice it. The server runs with
 * TEST_MODE off: people are known by the proxy's identity header, as in production.
 */

let chat: ChatServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  vi.setConfig({ expect: { poll: { timeout: 10_000, interval: 50 } } });
  [chat, browser] = await Promise.all([startChatServer({ TEST_MODE: 'false' }), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await chat?.close();
});

beforeEach(async () => {
  context = await newUserContext(browser, { viewport: { width: 1440, height: 900 } });
  page = await openChat(context, chat.url);
});

afterEach(async () => {
  await context.close();
});

const REM_PX = 16;

describe('the header', () => {
  it('names the signed-in person outside test mode', async () => {
    const signedIn = page.getByText(/^Signed in as page-\d+-\d+@galaxy\.test$/);
    await expect.poll(() => signedIn.isVisible()).toBe(true);
  });
});

describe('feedback', () => {
  it('shows no toast for a thumb, nor a stack of old confirmations after a reload', async () => {
    chat.upstream.enqueue(scriptFromChunks(answerChunks('Rate me.'), { delayMs: 5 }));
    await sendMessage(page, 'Hello');
    await waitForAnswerEnd(page);
    const good = () => lastAnswer(page).getByRole('button', { name: 'Good response' });
    await good().click();
    await lastAnswer(page).getByRole('button', { name: 'Bad response' }).click();
    await good().click();
    await expect.poll(() => good().getAttribute('aria-pressed')).toBe('true');

    await page.reload();
    await waitForReady(page);
    await waitForAnswerEnd(page);
    // The replayed history has been applied once the answer is back; give late events a frame.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    expect(await page.getByRole('alert').locator('.toast').count()).toBe(0);
  });
});

describe('layout on a wide screen', () => {
  it('caps the reading column at about 48rem', async () => {
    chat.upstream.enqueue(scriptFromChunks(answerChunks(`A long paragraph ${'of prose '.repeat(80)}`), { delayMs: 5 }));
    await sendMessage(page, 'Talk a lot');
    await waitForAnswerEnd(page);
    const box = await lastAnswer(page).locator('.markdown p').first().boundingBox();
    expect(box!.width).toBeLessThanOrEqual(48 * REM_PX);
    expect(box!.width).toBeGreaterThan(40 * REM_PX);
  });

  it('centres "Jump to latest" over the message column', async () => {
    const paragraphs = Array.from({ length: 60 }, (_, index) => `Paragraph ${index} ${'text '.repeat(12)}\n\n`);
    const chunks = [roleChunk(), ...paragraphs.map((paragraph) => textChunk(paragraph)), finishChunk('stop')];
    chat.upstream.enqueue(scriptFromChunks(chunks, { delayMs: 40 }));
    await sendMessage(page, 'A long answer please');
    await expect.poll(() => lastAnswer(page).locator('.markdown').textContent()).toContain('Paragraph 15');
    const scroller = page.locator('main.conversation');
    await scroller.hover();
    await page.mouse.wheel(0, -600);
    const jump = page.getByRole('button', { name: 'Jump to latest' });
    await expect.poll(() => jump.isVisible()).toBe(true);
    const button = (await jump.boundingBox())!;
    const column = (await page.getByRole('region', { name: 'Conversation' }).boundingBox())!;
    const centre = (box: { x: number; width: number }) => box.x + box.width / 2;
    expect(Math.abs(centre(button) - centre(column))).toBeLessThan(2);
    expect(button.width).toBeLessThan(column.width / 2);
  });
});

describe('answer actions', () => {
  it('copies the answer as markdown, and gives each message its time on hover and for screen readers', async () => {
    const answer = '# Title\n\nSome **bold** text and `code`.';
    chat.upstream.enqueue(scriptFromChunks(answerChunks(answer), { delayMs: 5 }));
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await sendMessage(page, 'Markdown please');
    await waitForAnswerEnd(page);

    await lastAnswer(page).getByRole('button', { name: 'Copy answer' }).click();
    await expect.poll(() => lastAnswer(page).getByRole('button', { name: 'Copied' }).isVisible()).toBe(true);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(answer);

    const time = lastAnswer(page).locator('time');
    expect(await time.getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await time.textContent()).toMatch(/^Answered /);
    expect(await lastAnswer(page).getAttribute('title')).toBe(await time.textContent());
  });
});

describe('on a phone', () => {
  it('says "Send", not "Enter to send"', async () => {
    const phone = await newUserContext(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    try {
      const phonePage = await openChat(phone, chat.url);
      const input = phonePage.getByRole('textbox', { name: 'Message' });
      expect(await input.getAttribute('placeholder')).toBe('Ask anything, then tap Send');
      const desktopPlaceholder = await page.getByRole('textbox', { name: 'Message' }).getAttribute('placeholder');
      expect(desktopPlaceholder).toContain('Enter to send');
    } finally {
      await phone.close();
    }
  });
});

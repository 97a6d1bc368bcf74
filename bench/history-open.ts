import { join } from 'node:path';
import { launchBrowser, newContext } from '../tests/support/browser.js';
import { seedLongChat } from '../tests/support/seed-history.js';
import { startChatServer, waitForReady } from '../tests/browser/chat-server.js';

/**
 * Time from clicking a 2,000-message chat in the sidebar to the first frame painted with its newest
 * answer, in Chromium, against the real server (history read from SQLite, sent as one `history`
 * event). The chat is seeded straight into the server's database through SqliteStore.
 *
 *   npx tsx bench/history-open.ts
 */

const MESSAGES = 2_000;
const RUNS = 5;

async function main(): Promise<void> {
  const [chat, browser] = await Promise.all([startChatServer(), launchBrowser()]);
  try {
    const email = `bench-${process.pid}@galaxy.test`;
    await seedLongChat(`sqlite:${join(chat.dir, 'galaxy.db')}`, email, { id: 's_bench2000', title: 'Very long chat', messages: MESSAGES });
    const context = await newContext(browser, { extraHTTPHeaders: { 'X-EMAIL-USER': email } });
    const times: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const page = await context.newPage();
      await page.goto(`${chat.url}/`);
      await waitForReady(page);
      const button = page.getByRole('navigation', { name: 'Chats' }).getByRole('button', { name: 'Very long chat' });
      await button.waitFor();
      times.push((await button.evaluate(timeToNewestPaint, `Answer number ${MESSAGES / 2}:`)) as number);
      const drawn = await page.locator('.message').count();
      if (run === 0) console.log(`messages drawn at first: ${drawn} of ${MESSAGES}`);
      // Back to a fresh chat, so the next run opens the long one again.
      await page.getByRole('button', { name: 'New chat' }).click();
      await page.getByRole('heading', { name: 'What can I help with?' }).waitFor();
      await page.close();
    }
    times.sort((a, b) => a - b);
    console.log(`open ${MESSAGES}-message chat → newest messages painted: median ${times[Math.floor(RUNS / 2)]!.toFixed(0)} ms, min ${times[0]!.toFixed(0)} ms, max ${times.at(-1)!.toFixed(0)} ms (${RUNS} runs)`);
    await context.close();
  } finally {
    await browser.close();
    await chat.close();
  }
}

/**
 * Runs in the page: clicks, then waits for a frame after the newest answer's text is in the DOM.
 * A string, so the bundler's helpers (tsx keeps names with `__name`) never reach the page.
 */
// eslint-disable-next-line no-new-func
const timeToNewestPaint = new Function('element', 'newest', `return new Promise((resolve) => {
  const start = performance.now();
  element.click();
  const check = () => {
    const found = [...document.querySelectorAll('.markdown')].some((node) => (node.textContent || '').includes(newest));
    if (found) requestAnimationFrame(() => resolve(performance.now() - start));
    else requestAnimationFrame(check);
  };
  check();
});`) as (element: Element, newest: string) => Promise<number>;

await main();

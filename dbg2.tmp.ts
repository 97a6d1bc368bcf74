import { launchBrowser } from './tests/support/browser.js';
import { startChatServer, newUserContext, openChat, sendMessage, waitForAnswerEnd } from './tests/browser/chat-server.js';
import { answerChunks } from './tests/support/chunks.js';
import { scriptFromChunks } from './tests/support/fake-upstream.js';
const chat = await startChatServer();
const browser = await launchBrowser();
for (const hdr of [true, false]) {
const ctx = hdr ? await newUserContext(browser, { acceptDownloads: true }) : await browser.newContext({ acceptDownloads: true });
const page = await openChat(ctx, chat.url);
chat.upstream.enqueue(scriptFromChunks(answerChunks('The answer is 42.'), { delayMs: 5 }));
await sendMessage(page, 'hello');
await waitForAnswerEnd(page);
const url = await page.evaluate(() => location.origin) ;
const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export' }).click()]);
console.log(hdr, 'dl', download.url(), await download.failure());
const r = await ctx.request.get(download.url()); console.log(r.status(), (await r.text()).slice(0, 100));
}
await browser.close(); await chat.close();

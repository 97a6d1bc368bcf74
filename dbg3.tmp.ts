import { launchBrowser } from './tests/support/browser.js';
import { startChatServer, openChat } from './tests/browser/chat-server.js';
const chat = await startChatServer();
const browser = await launchBrowser();
const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, deviceScaleFactor: 2 });
const page = await openChat(ctx, chat.url);
console.log(await page.evaluate(() => {
  const out: string[] = [`doc ${document.documentElement.scrollWidth} inner ${innerWidth}`];
  for (const el of document.querySelectorAll('body *')) { const r = el.getBoundingClientRect(); if (r.right > 391) out.push(`${el.tagName}.${el.className} ${Math.round(r.left)}-${Math.round(r.right)}`); }
  return out.slice(0, 30).join('\n');
}));
await browser.close(); await chat.close();

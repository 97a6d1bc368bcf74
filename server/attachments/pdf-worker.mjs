// Runs in a worker thread (server/attachments/pdf-text.ts): pdf.js parses untrusted bytes here, never on
// the event loop that serves every chat. One document per worker; the parent kills it on timeout.
import { parentPort, workerData } from 'node:worker_threads';
import { extractText, getDocumentProxy } from 'unpdf';

const { bytes, maxPages } = workerData;

try {
  // No fonts, no eval of embedded scripts: text extraction needs neither.
  const pdf = await getDocumentProxy(new Uint8Array(bytes), { isEvalSupported: false, disableFontFace: true, useSystemFonts: false });
  const pages = [];
  const read = Math.min(pdf.numPages, maxPages);
  for (let n = 1; n <= read; n += 1) {
    const page = await pdf.getPage(n);
    const content = await page.getTextContent();
    pages.push(content.items.map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : '') : '')).join(''));
    page.cleanup();
  }
  await pdf.destroy();
  parentPort.postMessage({ ok: true, pages, totalPages: pdf.numPages });
} catch (err) {
  parentPort.postMessage({ ok: false, message: String(err?.message ?? err).slice(0, 300) });
}

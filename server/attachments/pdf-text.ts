import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { AppError } from '../errors.js';

// A .mjs beside this file: found from server/ under vitest/tsx and from dist/server/ after tsc.
const WORKER_PATH = fileURLToPath(new URL('./pdf-worker.mjs', import.meta.url));
/** pdf.js keeps a parsed document in the JS heap; a hostile file stops at this bound instead of the server's. */
const WORKER_HEAP_MB = 256;

export interface PdfText {
  /** The text of each page read, in order. */
  pages: string[];
  totalPages: number;
}

export interface PdfLimits {
  maxPages: number;
  timeoutMs: number;
}

/** Workers reading at once; more uploads wait their turn, so a burst of PDFs cannot take every core and GBs of heap. */
export const MAX_CONCURRENT_PDF_WORKERS = 2;
let running = 0;
const waiting: Array<() => void> = [];

/**
 * Extracts a PDF's text in a worker thread with a heap limit and a wall-clock limit, so a large or
 * malicious document can cost a worker, never the server. Only the first `maxPages` pages are read.
 */
export async function extractPdfText(bytes: Buffer, name: string, limits: PdfLimits): Promise<PdfText> {
  if (running >= MAX_CONCURRENT_PDF_WORKERS) await new Promise<void>((resolve) => waiting.push(resolve));
  running += 1;
  try {
    return await readInWorker(bytes, name, limits);
  } finally {
    running -= 1;
    waiting.shift()?.();
  }
}

function readInWorker(bytes: Buffer, name: string, limits: PdfLimits): Promise<PdfText> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_PATH, {
      workerData: { bytes, maxPages: limits.maxPages },
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
      env: {},
      stdout: true,
      stderr: true,
    });
    // pdf.js warns on stdout about odd documents; the operator log is not theirs to write to.
    worker.stdout.resume();
    worker.stderr.resume();
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      outcome();
    };
    const timer = setTimeout(
      () => finish(() => reject(new AppError('BAD_REQUEST', `Reading ${name} took longer than ${limits.timeoutMs} ms (ATTACHMENT_PDF_TIMEOUT_MS).`))),
      limits.timeoutMs,
    );
    worker.once('message', (reply: { ok: true; pages: string[]; totalPages: number } | { ok: false; message: string }) => {
      finish(() => (reply.ok ? resolve({ pages: reply.pages, totalPages: reply.totalPages }) : reject(new AppError('BAD_REQUEST', `${name} could not be read as a PDF: ${reply.message}`))));
    });
    worker.once('error', (err) => finish(() => reject(new AppError('BAD_REQUEST', `${name} could not be read as a PDF: ${err.message.slice(0, 300)}`))));
    worker.once('exit', (code) => finish(() => reject(new AppError('BAD_REQUEST', `${name} could not be read as a PDF (the reader stopped with code ${code}).`))));
  });
}

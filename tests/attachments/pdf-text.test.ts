import { describe, expect, it } from 'vitest';
import { extractPdfText } from '../../server/attachments/pdf-text.js';
import { tinyPdf } from '../support/tiny-pdf.js';

const limits = { maxPages: 10, timeoutMs: 15_000 };

describe('PDF text extraction in a worker thread', () => {
  it('reads the text of every page in order', async () => {
    const pdf = await extractPdfText(tinyPdf(['First page (intro)', 'Second page \\ end']), 'two.pdf', limits);
    expect(pdf).toEqual({ pages: ['First page (intro)', 'Second page \\ end'], totalPages: 2 });
  });

  it('reads only the first pages past the page limit, and says how many there were', async () => {
    const pdf = await extractPdfText(tinyPdf(['one', 'two', 'three', 'four']), 'long.pdf', { ...limits, maxPages: 2 });
    expect(pdf).toEqual({ pages: ['one', 'two'], totalPages: 4 });
  });

  it('refuses a file that only starts like a PDF, naming it', async () => {
    await expect(extractPdfText(Buffer.from('%PDF-1.4\nthis is not really a pdf'), 'fake.pdf', limits)).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/^fake\.pdf could not be read as a PDF/),
    });
  });

  it('stops the worker when reading takes longer than the limit', async () => {
    await expect(extractPdfText(tinyPdf(['slow']), 'slow.pdf', { maxPages: 1, timeoutMs: 1 })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'Reading slow.pdf took longer than 1 ms (ATTACHMENT_PDF_TIMEOUT_MS).',
    });
  });

  it('reads more PDFs at once than there are workers: the rest wait their turn and each gets its own text', async () => {
    const texts = Array.from({ length: 5 }, (_, i) => `document number ${i}`);
    const results = await Promise.all(texts.map((t, i) => extractPdfText(tinyPdf([t]), `d${i}.pdf`, limits)));
    expect(results.map((r) => r.pages[0])).toEqual(texts);
  });
});

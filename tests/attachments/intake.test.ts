import { describe, expect, it } from 'vitest';
import { intake, type Upload } from '../../server/attachments/attachment-intake.js';
import { attachmentLimits, formatBytes, quotaExceeded } from '../../server/attachments/attachment-limits.js';
import { MessageAttachments } from '../../server/attachments/message-attachments.js';
import { parseEnv } from '../../server/config/env.js';
import type { StoredAttachment } from '../../server/store/store.js';
import { tinyPdf } from '../support/tiny-pdf.js';

const limits = attachmentLimits(parseEnv({ ATTACHMENT_MAX_BYTES: '2048', ATTACHMENT_MAX_TEXT_CHARS: '100', ATTACHMENT_PDF_MAX_PAGES: '2' }));
const upload = (name: string, bytes: Buffer | string): Upload => ({
  id: 'f1', conversationId: 'c1', owner: 'Alice@Example.com', name, bytes: Buffer.from(bytes), now: new Date('2026-03-01T00:00:00Z'),
});

describe('attachment limits', () => {
  it('has sane defaults named in the environment', () => {
    expect(attachmentLimits(parseEnv({}))).toEqual({
      maxBytes: 10 * 1024 * 1024,
      maxFiles: 5,
      allowedTypes: ['text/plain', 'text/markdown', 'text/csv', 'application/json', 'application/pdf', 'image/png', 'image/jpeg', 'image/gif', 'image/webp'],
      pdfMaxPages: 50,
      pdfTimeoutMs: 20_000,
      maxTextChars: 100_000,
      quotaBytes: 200 * 1024 * 1024,
    });
    expect(() => parseEnv({ ATTACHMENT_MAX_FILES: '0' })).toThrow(/ATTACHMENT_MAX_FILES: must be a whole number from 1 to 50/);
    expect(attachmentLimits(parseEnv({ ATTACHMENT_QUOTA_MB_PER_USER: '3' })).quotaBytes).toBe(3 * 1024 * 1024);
    expect(() => parseEnv({ ATTACHMENT_QUOTA_MB_PER_USER: '0' })).toThrow(/ATTACHMENT_QUOTA_MB_PER_USER: must be a whole number from 1 to 1000000/);
  });

  it('refuses an upload over the quota in plain words, with the used and allowed bytes', () => {
    const err = quotaExceeded('big.pdf', 2.5 * 1024 * 1024, 199 * 1024 * 1024, 200 * 1024 * 1024);
    expect(err).toMatchObject({ code: 'QUOTA_EXCEEDED', httpStatus: 413, details: { usedBytes: 199 * 1024 * 1024, allowedBytes: 200 * 1024 * 1024 } });
    expect(err.message).toBe('big.pdf (2.5 MB) does not fit: your files already use 199 MB of the 200 MB you may store (ATTACHMENT_QUOTA_MB_PER_USER). Delete chats with files you no longer need to make room.');
  });

  it('writes sizes as people read them', () => {
    expect([formatBytes(12), formatBytes(4096), formatBytes(2.5 * 1024 * 1024)]).toEqual(['12 bytes', '4 KB', '2.5 MB']);
  });
});

describe('taking in an upload', () => {
  it('keeps a text file with its text, owner lower-cased', async () => {
    const stored = await intake(upload('a.csv', 'x,y\n1,2\n'), limits);
    expect(stored).toMatchObject({ id: 'f1', conversationId: 'c1', owner: 'alice@example.com', name: 'a.csv', mime: 'text/csv', kind: 'text', size: 8, text: 'x,y\n1,2\n', createdAt: '2026-03-01T00:00:00.000Z' });
  });

  it('cuts long text at the character limit and tells the model', async () => {
    const stored = await intake(upload('long.txt', 'a'.repeat(150)), limits);
    expect(stored.text).toBe(`${'a'.repeat(100)}\n\n[The file was cut here: only its first 100 characters were read.]`);
  });

  it('reads a PDF up to the page limit and says what was left out', async () => {
    const stored = await intake(upload('r.pdf', tinyPdf(['alpha', 'beta', 'gamma'])), limits);
    expect(stored.kind).toBe('pdf');
    expect(stored.text).toBe('alpha\n\nbeta\n\n[Only the first 2 of 3 pages were read.]');
  });

  it('refuses empty, oversized and unsupported files with their names', async () => {
    await expect(intake(upload('e.txt', ''), limits)).rejects.toMatchObject({ code: 'BAD_REQUEST', message: 'e.txt is empty.' });
    await expect(intake(upload('big.txt', 'x'.repeat(3000)), limits)).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE', httpStatus: 413, message: 'big.txt is larger than 2 KB, the most one file may be (ATTACHMENT_MAX_BYTES).',
    });
    await expect(intake(upload('x.bin', Buffer.from([0, 1, 2])), limits)).rejects.toMatchObject({ code: 'UNSUPPORTED_FILE', httpStatus: 415 });
    const textOnly = { ...limits, allowedTypes: ['text/plain'] };
    await expect(intake(upload('r.pdf', tinyPdf(['x'])), textOnly)).rejects.toMatchObject({
      code: 'UNSUPPORTED_FILE', message: 'r.pdf cannot be attached: application/pdf files are not allowed here (allowed: text/plain).',
    });
  });
});

describe('the files a message names', () => {
  const files: StoredAttachment[] = [
    { id: 't', conversationId: 'c1', owner: 'alice@example.com', name: 'n.md', mime: 'text/markdown', kind: 'text', size: 2, text: 'hi', data: Buffer.from('hi'), createdAt: '2026-03-01T00:00:00Z' },
    { id: 'i', conversationId: 'c1', owner: 'alice@example.com', name: 'p.png', mime: 'image/png', kind: 'image', size: 3, data: Buffer.from([1, 2, 3]), createdAt: '2026-03-01T00:00:00Z' },
  ];
  const store = { getAttachments: async (_c: string, owner: string, ids?: readonly string[]) => (owner === 'alice@example.com' ? files.filter((f) => ids?.includes(f.id)) : []) };
  const attachments = new MessageAttachments(store, { ...limits, maxFiles: 2 });
  const request = { conversationId: 'c1', owner: 'alice@example.com', acceptsImages: true, modelLabel: 'Seer' };

  it('gives the refs for chips and the files for the model, in the order named', async () => {
    expect(await attachments.forMessage({ ...request, ids: ['i', 't', 'i'] })).toEqual({
      refs: [
        { id: 'i', name: 'p.png', mime: 'image/png', kind: 'image', size: 3 },
        { id: 't', name: 'n.md', mime: 'text/markdown', kind: 'text', size: 2 },
      ],
      files: [
        { kind: 'image', name: 'p.png', mime: 'image/png', base64: 'AQID' },
        { kind: 'text', name: 'n.md', mime: 'text/markdown', text: 'hi' },
      ],
    });
  });

  it('refuses unknown and foreign ids alike, too many files, and images for a model without vision', async () => {
    await expect(attachments.forMessage({ ...request, owner: 'bob@example.com', ids: ['t'] })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'No attachment "t" in this chat; attach the file again.' });
    await expect(attachments.forMessage({ ...request, ids: ['nope'] })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'No attachment "nope" in this chat; attach the file again.' });
    await expect(attachments.forMessage({ ...request, ids: ['a', 'b', 'c'] })).rejects.toMatchObject({ code: 'BAD_MESSAGE' });
    await expect(attachments.forMessage({ ...request, acceptsImages: false, ids: ['t', 'i'] })).rejects.toMatchObject({
      code: 'IMAGES_UNSUPPORTED', message: 'Seer does not accept images, so p.png cannot be sent; choose a model that accepts images, or remove the image.',
    });
  });
});

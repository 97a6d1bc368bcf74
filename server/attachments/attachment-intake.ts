import { AppError } from '../errors.js';
import type { AttachmentRef, StoredAttachment } from '../store/store.js';
import { formatBytes, type AttachmentLimits } from './attachment-limits.js';
import { extractPdfText } from './pdf-text.js';
import { decodeText, sniffType } from './sniff.js';

export interface Upload {
  id: string;
  conversationId: string;
  owner: string;
  /** As the browser named it; cleaned by `cleanFileName` first. */
  name: string;
  bytes: Buffer;
  now: Date;
}

const MAX_NAME_CHARS = 200;

/**
 * A file name safe to show and to put in a prompt: no folders, no control or bidi-override
 * characters, at most 200 characters. Undefined when nothing is left.
 */
export function cleanFileName(raw: string): string | undefined {
  const base = raw.split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, '').trim().slice(0, MAX_NAME_CHARS);
  return clean === '' ? undefined : clean;
}

/**
 * Turns uploaded bytes into a stored attachment: the type is sniffed from the content (the name
 * only picks a text flavour), checked against the allowed types, and text files and PDFs get the
 * text the model will read, cut at `maxTextChars` with a note the model sees.
 */
export async function intake(upload: Upload, limits: AttachmentLimits): Promise<StoredAttachment> {
  const { bytes, name } = upload;
  if (bytes.length === 0) throw new AppError('BAD_REQUEST', `${name} is empty.`);
  if (bytes.length > limits.maxBytes) throw tooLarge(name, limits.maxBytes);
  const type = sniffType(bytes, name);
  if (!type || !limits.allowedTypes.includes(type.mime)) {
    throw new AppError('UNSUPPORTED_FILE', `${name} cannot be attached: ${type ? `${type.mime} files are not allowed here` : 'it is not text, a PDF or an image'} (allowed: ${limits.allowedTypes.join(', ')}).`);
  }
  const stored: StoredAttachment = {
    id: upload.id,
    conversationId: upload.conversationId,
    owner: upload.owner.toLowerCase(),
    name,
    mime: type.mime,
    kind: type.kind,
    size: bytes.length,
    data: bytes,
    createdAt: upload.now.toISOString(),
  };
  if (type.kind === 'text') stored.text = capText(decodeText(bytes), limits.maxTextChars);
  if (type.kind === 'pdf') {
    const pdf = await extractPdfText(bytes, name, { maxPages: limits.pdfMaxPages, timeoutMs: limits.pdfTimeoutMs });
    const text = pdf.pages.map((page) => page.trim()).join('\n\n');
    const skipped = pdf.totalPages > pdf.pages.length ? `\n\n[Only the first ${pdf.pages.length} of ${pdf.totalPages} pages were read.]` : '';
    stored.text = capText(text, limits.maxTextChars) + skipped;
  }
  return stored;
}

export function tooLarge(name: string, maxBytes: number): AppError {
  return new AppError('PAYLOAD_TOO_LARGE', `${name} is larger than ${formatBytes(maxBytes)}, the most one file may be (ATTACHMENT_MAX_BYTES).`);
}

function capText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}\n\n[The file was cut here: only its first ${maxChars} characters were read.]`;
}

/** What a message keeps of a file. */
export function refOf(a: StoredAttachment): AttachmentRef {
  return { id: a.id, name: a.name, mime: a.mime, kind: a.kind, size: a.size };
}

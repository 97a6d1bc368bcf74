import type { AttachmentKind } from '../store/store.js';

export interface SniffedType {
  mime: string;
  kind: AttachmentKind;
}

/** Image signatures. SVG is deliberately absent: it is XML text and may carry script, so it is text here. */
const IMAGE_SIGNATURES: ReadonlyArray<{ mime: string; matches: (b: Buffer) => boolean }> = [
  { mime: 'image/png', matches: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { mime: 'image/jpeg', matches: (b) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { mime: 'image/gif', matches: (b) => ['GIF87a', 'GIF89a'].includes(b.subarray(0, 6).toString('latin1')) },
  { mime: 'image/webp', matches: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
];

/** Text flavours are told apart by the name only once the content is known to be text. */
const TEXT_BY_EXTENSION: Record<string, string> = {
  md: 'text/markdown',
  markdown: 'text/markdown',
  csv: 'text/csv',
  json: 'application/json',
};

/**
 * What a file is, decided from its bytes; the name only picks the flavour of text. A PDF must start
 * with `%PDF-`, an image with its format's signature, and text must be valid UTF-8 without NUL or
 * other binary control bytes. Anything else (executables, archives, office files) is undefined.
 * HTML, SVG and scripts are text/plain: their text goes to the model, and nothing ever renders them.
 */
export function sniffType(bytes: Buffer, name: string): SniffedType | undefined {
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') return { mime: 'application/pdf', kind: 'pdf' };
  const image = IMAGE_SIGNATURES.find((s) => s.matches(bytes));
  if (image) return { mime: image.mime, kind: 'image' };
  if (!isText(bytes)) return undefined;
  const extension = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';
  return { mime: TEXT_BY_EXTENSION[extension] ?? 'text/plain', kind: 'text' };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const BINARY_CONTROL = /[\x00-\x08\x0b\x0e-\x1f]/;

function isText(bytes: Buffer): boolean {
  try {
    utf8.decode(bytes);
  } catch {
    return false;
  }
  // Tab, LF, FF and CR are text; the other C0 controls (NUL above all) mean a binary format. One regex
  // over a latin1 view (a byte per character) is far cheaper than a JS loop over megabytes.
  return !BINARY_CONTROL.test(bytes.toString('latin1'));
}

/** Decodes a file already known to be text, without a byte-order mark. */
export function decodeText(bytes: Buffer): string {
  return utf8.decode(bytes).replace(/^\uFEFF/, '');
}

import type { StoredAttachment } from '../store/store.js';

/**
 * How a stored file goes back to its owner (`GET /api/attachments/:id`). The bytes are whatever was
 * uploaded, so the response must never let a browser run them: it is always a download, the type is
 * one a browser cannot execute, sniffing is off (BASE_HEADERS), and the CSP sandboxes the document
 * and loads nothing, should a browser render it anyway.
 */

// Types whose content a browser never executes. Text is named as such with its charset, so an HTML
// or SVG file (sniffed as text/plain, see sniff.ts) is plain text here too.
const INERT_TYPES: Record<string, string> = {
  'text/plain': 'text/plain; charset=utf-8',
  'text/markdown': 'text/markdown; charset=utf-8',
  'text/csv': 'text/csv; charset=utf-8',
  'application/json': 'application/json; charset=utf-8',
  'application/pdf': 'application/pdf',
  'image/png': 'image/png',
  'image/jpeg': 'image/jpeg',
  'image/gif': 'image/gif',
  'image/webp': 'image/webp',
};

/** The Content-Type to serve a stored type as: itself when inert, otherwise opaque bytes. */
export function safeContentType(mime: string): string {
  return INERT_TYPES[mime.toLowerCase()] ?? 'application/octet-stream';
}

// RFC 8187 attr-char: everything else is percent-encoded in filename*.
const NOT_ATTR_CHAR = /[^A-Za-z0-9!#$&+\-.^_`|~]/g;

/**
 * `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266). The quoted fallback keeps printable
 * ASCII only and drops `"`, `\` and `%` (some browsers decode percent escapes there); filename*
 * carries the real name, percent-encoded byte by byte, so no name can break out of the header.
 */
export function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_').trim() || 'download';
  const encoded = Array.from(Buffer.from(name, 'utf8'))
    .map((byte) => String.fromCharCode(byte))
    .join('')
    .replace(NOT_ATTR_CHAR, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** A CSP for a response that is never a page: nothing loads, and a rendered document is sandboxed. */
export const DOWNLOAD_CSP = "default-src 'none'; sandbox";

export function downloadHeaders(a: Pick<StoredAttachment, 'name' | 'mime'>): Array<[string, string]> {
  return [
    ['Content-Type', safeContentType(a.mime)],
    ['Content-Disposition', contentDisposition(a.name)],
    ['Content-Security-Policy', DOWNLOAD_CSP],
    // Another origin may not embed it (an <img> or <script> pointing here gets nothing).
    ['Cross-Origin-Resource-Policy', 'same-origin'],
    // Someone's file: never kept by a shared cache, nor by the browser after the download.
    ['Cache-Control', 'private, no-store'],
  ];
}

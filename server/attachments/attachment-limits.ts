import type { Env } from '../config/env.js';

/** The named settings (ATTACHMENT_*) every part of the attachment path reads. */
export interface AttachmentLimits {
  maxBytes: number;
  maxFiles: number;
  /** Sniffed MIME types that may be attached. */
  allowedTypes: readonly string[];
  pdfMaxPages: number;
  pdfTimeoutMs: number;
  maxTextChars: number;
}

export function attachmentLimits(env: Pick<Env, 'ATTACHMENT_MAX_BYTES' | 'ATTACHMENT_MAX_FILES' | 'ATTACHMENT_TYPES' | 'ATTACHMENT_PDF_MAX_PAGES' | 'ATTACHMENT_PDF_TIMEOUT_MS' | 'ATTACHMENT_MAX_TEXT_CHARS'>): AttachmentLimits {
  return {
    maxBytes: env.ATTACHMENT_MAX_BYTES,
    maxFiles: env.ATTACHMENT_MAX_FILES,
    allowedTypes: env.ATTACHMENT_TYPES,
    pdfMaxPages: env.ATTACHMENT_PDF_MAX_PAGES,
    pdfTimeoutMs: env.ATTACHMENT_PDF_TIMEOUT_MS,
    maxTextChars: env.ATTACHMENT_MAX_TEXT_CHARS,
  };
}

/** What the page is told in `ready`, so it can refuse a file before uploading it. */
export function attachmentInfo(limits: AttachmentLimits): { maxBytes: number; maxFiles: number; types: string[] } {
  return { maxBytes: limits.maxBytes, maxFiles: limits.maxFiles, types: [...limits.allowedTypes] };
}

/** "2.5 MB", "740 KB", "12 bytes": sizes as people read them in messages. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toFixed(1))} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

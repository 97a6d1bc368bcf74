import { AppError } from '../errors.js';
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
  /** Total bytes of files one person may have stored, over all their chats. */
  quotaBytes: number;
}

export function attachmentLimits(env: Pick<Env, 'ATTACHMENT_MAX_BYTES' | 'ATTACHMENT_MAX_FILES' | 'ATTACHMENT_TYPES' | 'ATTACHMENT_PDF_MAX_PAGES' | 'ATTACHMENT_PDF_TIMEOUT_MS' | 'ATTACHMENT_MAX_TEXT_CHARS' | 'ATTACHMENT_QUOTA_MB_PER_USER'>): AttachmentLimits {
  return {
    maxBytes: env.ATTACHMENT_MAX_BYTES,
    maxFiles: env.ATTACHMENT_MAX_FILES,
    allowedTypes: env.ATTACHMENT_TYPES,
    pdfMaxPages: env.ATTACHMENT_PDF_MAX_PAGES,
    pdfTimeoutMs: env.ATTACHMENT_PDF_TIMEOUT_MS,
    maxTextChars: env.ATTACHMENT_MAX_TEXT_CHARS,
    quotaBytes: env.ATTACHMENT_QUOTA_MB_PER_USER * 1024 * 1024,
  };
}

/** What the page is told in `ready`, so it can refuse a file before uploading it. */
export function attachmentInfo(limits: AttachmentLimits): { maxBytes: number; maxFiles: number; types: string[] } {
  return { maxBytes: limits.maxBytes, maxFiles: limits.maxFiles, types: [...limits.allowedTypes] };
}

/** The refusal of an upload that would take a person's stored files past their quota; nothing stored is touched. */
export function quotaExceeded(name: string, size: number, usedBytes: number, allowedBytes: number): AppError {
  return new AppError(
    'QUOTA_EXCEEDED',
    `${name} (${formatBytes(size)}) does not fit: your files already use ${formatBytes(usedBytes)} of the ${formatBytes(allowedBytes)} you may store (ATTACHMENT_QUOTA_MB_PER_USER). Delete chats with files you no longer need to make room.`,
    { details: { usedBytes, allowedBytes } },
  );
}

/** "2.5 MB", "740 KB", "12 bytes": sizes as people read them in messages. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toFixed(1))} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

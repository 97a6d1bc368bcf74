import { AppError, ERROR_CODES, type ErrorCode, type ErrorDetails } from '../errors.js';
import type { Store } from './store.js';

/**
 * The messages between SqliteWorkerStore (main thread) and sqlite-worker.ts (the thread that owns
 * the better-sqlite3 connection). Everything here must survive structured clone: plain objects,
 * strings, numbers, Dates. Class instances do not (an AppError arrives as a bare Error without its
 * code), so errors travel as WireError and are rebuilt on the other side.
 */

export type StoreMethod = Exclude<keyof Store, 'close'>;

/** Every Store call the worker answers; a Record, so adding a Store method without listing it fails typecheck. */
const METHODS: Record<StoreMethod, true> = {
  createConversation: true,
  updateConversation: true,
  getConversation: true,
  listConversations: true,
  searchConversations: true,
  deleteConversation: true,
  appendMessages: true,
  upsertMessage: true,
  getMessages: true,
  supersedeFrom: true,
  saveAttachment: true,
  getAttachments: true,
  getAttachment: true,
  attachmentBytesUsed: true,
  saveFeedback: true,
  recordUsage: true,
  usageFor: true,
  usageAll: true,
  reserveBudget: true,
  settleBudget: true,
  budgetUsed: true,
  budgetLedgerState: true,
  addBudgetSpent: true,
  queryMemberships: true,
  deleteConversationsOlderThan: true,
};

export function isStoreMethod(name: unknown): name is StoreMethod {
  return typeof name === 'string' && Object.hasOwn(METHODS, name);
}

export interface WorkerOptions {
  /** A path or ':memory:'. */
  filename: string;
}

export type ToWorker = { type: 'call'; id: number; method: StoreMethod; args: unknown[] } | { type: 'close' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'open-failed'; error: WireError }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: WireError }
  | { type: 'closed' };

export type WireError =
  | { kind: 'app'; code: ErrorCode; message: string; details: ErrorDetails }
  /** Anything else (a driver error such as SQLITE_CONSTRAINT_UNIQUE): name, message and code kept. */
  | { kind: 'other'; name: string; message: string; code?: string; stack?: string };

export function toWireError(err: unknown): WireError {
  if (err instanceof AppError) return { kind: 'app', code: err.code, message: err.message, details: err.details };
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { kind: 'other', name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}), ...(err.stack ? { stack: err.stack } : {}) };
  }
  return { kind: 'other', name: 'Error', message: String(err) };
}

/** The same AppError (code, message, details) the synchronous store would have thrown. */
export function fromWireError(wire: WireError): Error {
  if (wire.kind === 'app' && Object.hasOwn(ERROR_CODES, wire.code)) return new AppError(wire.code, wire.message, { details: wire.details });
  const err = new Error(wire.message) as Error & { code?: string };
  if (wire.kind === 'other') {
    err.name = wire.name;
    if (wire.code !== undefined) err.code = wire.code;
    if (wire.stack) err.stack = `${wire.stack}\n    (in the store worker)`;
  }
  return err;
}

/**
 * Structured clone turns a Buffer into a plain Uint8Array on the other side of the thread; the
 * driver binds (and callers read) Buffers, so an attachment's bytes are made one again on arrival.
 */
export function withBufferData<T>(value: T): T {
  const record = value as { data?: unknown };
  if (record && record.data instanceof Uint8Array && !Buffer.isBuffer(record.data)) {
    return { ...record, data: Buffer.from(record.data.buffer, record.data.byteOffset, record.data.byteLength) } as T;
  }
  return value;
}

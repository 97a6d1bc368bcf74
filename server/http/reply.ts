import type { HttpResponse } from 'uWebSockets.js';
import { AppError, HTTP_STATUS_TEXT } from '../errors.js';

/** Headers every response carries. */
export const BASE_HEADERS: ReadonlyArray<[string, string]> = [
  ['X-Content-Type-Options', 'nosniff'],
  ['Referrer-Policy', 'no-referrer'],
  ['X-Frame-Options', 'DENY'],
];

/**
 * Wraps a uWS response so late writes are safe. uWS frees `res` when the client aborts: after the
 * first await a handler MUST check `aborted` (done here) and MUST write inside `cork`.
 */
export class Reply {
  aborted = false;
  private finished = false;
  private readonly abortListeners: Array<() => void> = [];

  constructor(readonly res: HttpResponse) {
    // MUST be registered before any await, or an abort frees res under us.
    res.onAborted(() => {
      this.aborted = true;
      for (const listener of this.abortListeners.splice(0)) listener();
    });
  }

  /** uWS allows one onAborted handler per response, so other readers (a body) listen here. */
  onAbort(listener: () => void): void {
    if (this.aborted) listener();
    else this.abortListeners.push(listener);
  }

  get done(): boolean {
    return this.aborted || this.finished;
  }

  send(status: number, body: string | Buffer, headers: ReadonlyArray<[string, string]> = []): void {
    if (this.done) return;
    this.finished = true;
    this.res.cork(() => {
      this.res.writeStatus(HTTP_STATUS_TEXT[status] ?? String(status));
      for (const [k, v] of BASE_HEADERS) this.res.writeHeader(k, v);
      for (const [k, v] of headers) this.res.writeHeader(k, v);
      this.res.end(body);
    });
  }

  json(status: number, body: unknown, headers: ReadonlyArray<[string, string]> = []): void {
    this.send(status, JSON.stringify(body), [
      ['Content-Type', 'application/json; charset=utf-8'],
      ['Cache-Control', 'no-store'],
      ...headers,
    ]);
  }

  error(err: AppError): void {
    // Details are facts a client may act on (QUOTA_EXCEEDED's used and allowed bytes), never internals.
    this.json(err.httpStatus, { error: { code: err.code, message: err.message, ...err.details } });
  }
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

import type { Session } from '../sessions/session.js';
import { StreamRedactor } from './stream-redactor.js';

/** A flush is forced at this size, so one frame stays small next to the socket's backpressure limit. */
const MAX_DELTA_CHARS = 8192;

/**
 * Coalesces text that arrives faster than one frame per `flushMs` into a single `delta` event.
 * Leading edge: text arriving after a quiet spell goes out at once, so a slow stream gains no delay;
 * only a burst within the window waits for it. Per-token work is one string append and a clock read;
 * the event, the JSON and the socket write happen per flush.
 */
export class DeltaBuffer {
  private pending = '';
  private timer: NodeJS.Timeout | undefined;
  private lastFlush = 0;

  constructor(
    private readonly session: Pick<Session, 'record'>,
    private readonly messageId: string,
    private readonly flushMs: number,
    /** Secrets that must never leave in a delta, even split across several (checklist 45). */
    private readonly redactor: StreamRedactor = new StreamRedactor([]),
  ) {}

  push(text: string): void {
    const safe = this.redactor.push(text);
    if (!safe) return;
    this.pending += safe;
    if (this.timer) {
      if (this.pending.length >= MAX_DELTA_CHARS) this.flush();
      return;
    }
    const sinceLast = performance.now() - this.lastFlush;
    if (this.flushMs === 0 || sinceLast >= this.flushMs || this.pending.length >= MAX_DELTA_CHARS) this.flush();
    else this.timer = setTimeout(() => this.flush(), this.flushMs - sinceLast);
  }

  /** The model's text for this round is complete: release what the redactor held back, and flush. */
  end(): void {
    this.pending += this.redactor.end();
    this.flush();
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending) return;
    const text = this.pending;
    this.pending = '';
    this.lastFlush = performance.now();
    this.session.record({ kind: 'assistant-text', id: this.messageId, text });
  }
}

import type { Session } from '../sessions/session.js';

/** A flush is forced at this size, so one frame stays small next to the socket's backpressure limit. */
const MAX_DELTA_CHARS = 8192;

/**
 * Coalesces text that arrives faster than one frame per `flushMs` into a single `delta` event.
 * Per-token work is one string append; the event, the JSON and the socket write happen per flush.
 */
export class DeltaBuffer {
  private pending = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly session: Session,
    private readonly messageId: string,
    private readonly flushMs: number,
  ) {}

  push(text: string): void {
    if (!text) return;
    this.pending += text;
    if (this.flushMs === 0 || this.pending.length >= MAX_DELTA_CHARS) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.flushMs);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending) return;
    const text = this.pending;
    this.pending = '';
    this.session.emit({ type: 'delta', id: this.messageId, text });
  }
}

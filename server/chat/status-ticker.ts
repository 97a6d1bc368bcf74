import type { Session } from '../sessions/session.js';

/**
 * The "still working" line: every THINKING_INTERVAL_MS while the model has not started answering or
 * a tool runs, a `status` event with the elapsed time (and the tool's name). Stopped when text flows.
 */
export class StatusTicker {
  private timer: NodeJS.Timeout | undefined;
  /** The latest progress a running tool reported; shown on the next tick. */
  private detail: string | undefined;

  constructor(
    private readonly session: Pick<Session, 'record'>,
    private readonly intervalMs: number,
  ) {}

  start(label: string, tool?: string): void {
    this.stop();
    const since = Date.now();
    this.timer = setInterval(() => {
      const elapsedMs = Date.now() - since;
      const text = `${label} ${Math.round(elapsedMs / 1000)} s${this.detail ? ` — ${this.detail}` : ''}`;
      this.session.record(tool ? { kind: 'status', text, elapsedMs, tool } : { kind: 'status', text, elapsedMs });
    }, this.intervalMs);
  }

  /** A tool's progress report; capped so a chatty tool cannot flood the status line. */
  progress(text: string): void {
    this.detail = text.slice(0, 200);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.detail = undefined;
  }
}

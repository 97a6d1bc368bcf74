/**
 * Fires when the stream has been silent for `stallMs` while we wait on it. Silence is measured from
 * the first read after the last data event, so time spent in our consumer between reads never
 * counts. One timer per stream, re-armed only when it fires: the per-read cost is a Date.now().
 */
export class StallWatchdog {
  fired = false;
  private reading = false;
  private progressed = true;
  private silentSince = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stallMs: number,
    private readonly onStall: () => void,
  ) {}

  start(): void {
    this.arm(this.stallMs);
  }

  beginRead(): void {
    this.reading = true;
    if (this.progressed) {
      this.silentSince = Date.now();
      this.progressed = false;
    }
  }

  endRead(progressed: boolean): void {
    this.reading = false;
    if (progressed) this.progressed = true;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.check(), ms);
  }

  private check(): void {
    const silentFor = Date.now() - this.silentSince;
    if (this.reading && silentFor >= this.stallMs) {
      this.fired = true;
      this.timer = undefined;
      this.onStall();
      return;
    }
    // Not silent long enough yet, or busy in our consumer: look again when it could be.
    this.arm(this.reading ? Math.max(this.stallMs - silentFor, 1) : this.stallMs);
  }
}

import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Redactor } from '../logger.js';

export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

export function transcriptPath(logsDir: string, sessionId: string): string {
  if (!SESSION_ID_PATTERN.test(sessionId)) throw new Error('invalid session id');
  return join(logsDir, `${sessionId}.jsonl`);
}

/**
 * One JSONL file per session. Each record is serialized, redacted and handed to the stream as one
 * whole line, so a crash can lose the tail but never leaves a torn line in the middle; the stream
 * writes asynchronously, so logging never blocks the event loop.
 */
export class TranscriptWriter {
  private readonly stream: WriteStream;
  private pending = 0;
  private waiters: Array<() => void> = [];
  private closed = false;

  constructor(
    readonly file: string,
    private readonly redactor: Redactor,
    private readonly log: Logger,
  ) {
    mkdirSync(join(file, '..'), { recursive: true });
    this.stream = createWriteStream(file, { flags: 'a', encoding: 'utf8' });
    this.stream.on('error', (err) => this.log.error({ err, file }, 'transcript write failed'));
  }

  write(kind: string, data: Record<string, unknown> = {}): void {
    if (this.closed) return;
    let line: string;
    try {
      line = JSON.stringify({ at: new Date().toISOString(), kind, ...data });
    } catch (err) {
      line = JSON.stringify({ at: new Date().toISOString(), kind, unserializable: String(err) });
    }
    this.pending += 1;
    this.stream.write(`${this.redactor.redact(line)}\n`, () => {
      this.pending -= 1;
      if (this.pending === 0) this.releaseWaiters();
    });
  }

  /** Resolves once everything written so far is on disk (handed to the OS). */
  flush(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush();
    await new Promise<void>((resolve) => this.stream.end(resolve));
  }

  private releaseWaiters(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

import type { HttpResponse } from 'uWebSockets.js';
import type { Logger } from 'pino';
import { BASE_HEADERS, type Reply } from '../http/reply.js';
import type { Connection, SendResult } from '../sessions/connection.js';
import { SSE_HEARTBEAT, sseMessage, sseNamedEvent } from './sse-framing.js';

export interface SseConnectionOptions {
  /** Bytes the stream may hold unsent before it is closed, like WS_MAX_BACKPRESSURE_BYTES for a socket. */
  maxBackpressureBytes: number;
  heartbeatMs: number;
  /** WS_MAX_LIFETIME_MIN for a stream: closed (1000) this long after it opened, and the client resumes. 0: never. */
  maxLifetimeMs: number;
  /** The socket took everything it held: feed it more (the session's pump). */
  onDrain: () => void;
  /** The stream ended, by us or by the client. Called exactly once. */
  onGone: () => void;
}

/**
 * An event-stream response behind the domain's Connection interface, so sessions and chat code do
 * not know which transport carries them. Backpressure works like the WebSocket's: uWS keeps what
 * the socket would not take, `bufferedAmount` reports it, and the session stops feeding until
 * uWS says the socket is writable again.
 */
export class SseConnection implements Connection {
  closed = false;
  /** Bytes handed to uWS since it last took everything we wrote (an upper bound on its buffer). */
  private backlog = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private lifetime: NodeJS.Timeout | undefined;

  constructor(
    private readonly reply: Reply,
    readonly id: string,
    readonly user: string,
    readonly log: Logger,
    private readonly options: SseConnectionOptions,
  ) {
    reply.onAbort(() => this.gone());
  }

  private get res(): HttpResponse {
    return this.reply.res;
  }

  /** Writes the status and headers and the `connection` event naming where frames are posted. */
  start(framesPath: string): void {
    if (this.closed) return;
    this.res.cork(() => {
      this.res.writeStatus('200 OK');
      for (const [k, v] of BASE_HEADERS) this.res.writeHeader(k, v);
      this.res.writeHeader('Content-Type', 'text/event-stream; charset=utf-8');
      this.res.writeHeader('Cache-Control', 'no-store');
      // Proxies that buffer responses (nginx by default) would hold tokens back.
      this.res.writeHeader('X-Accel-Buffering', 'no');
    });
    this.write(sseNamedEvent('connection', { id: this.id, frames: framesPath }));
    // uWS itself closes an HTTP response that writes nothing for 10 s; a heartbeat keeps it open.
    this.heartbeat = setInterval(() => this.write(SSE_HEARTBEAT), this.options.heartbeatMs);
    if (this.options.maxLifetimeMs > 0) this.lifetime = setTimeout(() => this.close(1000, 'maximum lifetime reached'), this.options.maxLifetimeMs);
    // uWS frees its buffer only when something is written, so a writable socket gets a heartbeat
    // (which flushes what was held), and once that went through, the session's next events.
    this.res.onWritable(() => {
      if (this.write(SSE_HEARTBEAT)) this.options.onDrain();
      return true;
    });
  }

  send(json: string): SendResult {
    if (this.closed) return 'dropped';
    const frame = sseMessage(json);
    if (this.write(frame)) return 'sent';
    return this.closed ? 'dropped' : 'buffered';
  }

  bufferedAmount(): number {
    return this.closed ? 0 : this.backlog;
  }

  /** Tells the reader why (the WebSocket close code and reason) and ends the response. */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.write(sseNamedEvent('close', { code, reason }));
    if (this.closed) return;
    this.res.cork(() => this.res.end());
    this.gone();
  }

  /** True when uWS took the bytes without adding to its buffer. */
  private write(text: string): boolean {
    if (this.closed) return false;
    let accepted = false;
    this.res.cork(() => {
      accepted = this.res.write(text);
    });
    if (accepted) {
      this.backlog = 0;
      return true;
    }
    this.backlog += Buffer.byteLength(text);
    if (this.backlog > this.options.maxBackpressureBytes) {
      // Like closeOnBackpressureLimit: a reader this far behind is cut, and resumes from its last id.
      this.log.warn({ backlog: this.backlog }, 'event stream over its backpressure limit');
      this.res.close(); // runs onAborted, which calls gone()
      this.gone();
    }
    return false;
  }

  private gone(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.lifetime);
    this.options.onGone();
  }
}

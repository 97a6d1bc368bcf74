import { SseParser } from '../../static/js/net/sse-parser.js';
import type { ServerEvent } from './ws-client.js';

export interface StreamOptions {
  email?: string | null;
  origin?: string;
  headers?: Record<string, string>;
  /** Query parameters for the hello the stream stands for (sessionId, lastSeq, v). */
  query?: Record<string, string>;
}

/** A refused stream or frame: the HTTP status and the JSON error body. */
export class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    readonly body: any,
  ) {
    super(`refused with ${status}: ${JSON.stringify(body)}`);
  }
}

/**
 * The HTTP-streaming transport as a client uses it: one GET /sse read as Server-Sent Events, and a
 * POST per frame to the path its `connection` event names. Records events like the WebSocket client.
 */
export class SseTestClient {
  readonly events: ServerEvent[] = [];
  /** The `close` event's code and reason, or code 0 when the stream just ended. */
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Every message id (`id:` field) in arrival order, '' for events without one. */
  readonly ids: string[] = [];
  framesPath = '';
  /** Resolves when the `connection` event (where frames are posted) arrived. */
  readonly connected: Promise<void>;
  private resolveConnected!: () => void;
  private waiters: Array<{ pred: (e: ServerEvent) => boolean; resolve: (e: ServerEvent) => void }> = [];
  private cursor = 0;
  private resolveClosed!: (c: { code: number; reason: string }) => void;
  private readonly parser: SseParser;

  constructor(
    private readonly baseUrl: string,
    private readonly headers: Record<string, string>,
    private readonly controller: AbortController,
  ) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.connected = new Promise((resolve) => (this.resolveConnected = resolve));
    this.parser = new SseParser((message) => {
      if (message.event === 'connection') {
        this.framesPath = (JSON.parse(message.data) as { frames: string }).frames;
        this.resolveConnected();
      }
      else if (message.event === 'close') this.resolveClosed(JSON.parse(message.data) as { code: number; reason: string });
      else this.receive(JSON.parse(message.data) as ServerEvent, message.id);
    });
  }

  get lastEventId(): string {
    return this.parser.lastEventId;
  }

  /** Reads the body until it ends or is aborted. */
  async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) this.parser.push(decoder.decode(chunk, { stream: true }));
    } catch {
      // aborted by close(), or the connection dropped: either way the stream is over
    }
    this.resolveClosed({ code: 0, reason: 'stream ended' });
  }

  private receive(event: ServerEvent, id: string): void {
    this.events.push(event);
    this.ids.push(id);
    this.waiters = this.waiters.filter((w) => {
      if (w.pred(event)) {
        w.resolve(event);
        return false;
      }
      return true;
    });
  }

  /** Posts one frame (an object, or raw text); resolves with the response status. */
  async post(frame: object | string, extraHeaders: Record<string, string> = {}): Promise<{ status: number; body: string }> {
    const res = await fetch(`${this.baseUrl}${this.framesPath}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...this.headers, ...extraHeaders },
      body: typeof frame === 'string' ? frame : JSON.stringify(frame),
    });
    return { status: res.status, body: await res.text() };
  }

  async next(match: string | ((e: ServerEvent) => boolean), timeoutMs = 15_000): Promise<ServerEvent> {
    const pred = typeof match === 'string' ? (e: ServerEvent) => e.type === match : match;
    for (let i = this.cursor; i < this.events.length; i += 1) {
      if (pred(this.events[i]!)) {
        this.cursor = i + 1;
        return this.events[i]!;
      }
    }
    const event = await new Promise<ServerEvent>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${typeof match === 'string' ? match : 'event'}; got ${this.events.map((e) => e.type).join(',')}`)), timeoutMs);
      this.waiters.push({ pred, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
    this.cursor = this.events.indexOf(event) + 1;
    return event;
  }

  all(type: string): ServerEvent[] {
    return this.events.filter((e) => e.type === type);
  }

  textOf(messageId: string): string {
    return this.events.filter((e) => e.type === 'delta' && e.id === messageId).map((e) => e.text).join('');
  }

  /** Drops the stream from the client's side, as a flaky network would. */
  close(): void {
    this.controller.abort();
  }
}

/** Opens GET /sse; resolves once its `connection` event arrived, rejects with HttpRefusal when refused. */
export async function openStream(baseUrl: string, options: StreamOptions = {}): Promise<SseTestClient> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.email !== null) headers['X-EMAIL-USER'] = options.email ?? 'alice@example.com';
  if (options.origin) headers.Origin = options.origin;
  const controller = new AbortController();
  const query = new URLSearchParams(options.query ?? {}).toString();
  const res = await fetch(`${baseUrl}/sse${query ? `?${query}` : ''}`, { headers, signal: controller.signal });
  if (res.status !== 200) throw new HttpRefusal(res.status, await res.json());
  const client = new SseTestClient(baseUrl, headers, controller);
  void client.pump(res.body!);
  const endedFirst = client.closed.then(() => {
    throw new Error('the stream ended before its connection event');
  });
  endedFirst.catch(() => {}); // only the race observes it; a later end is normal
  await Promise.race([client.connected, endedFirst]);
  return client;
}

import WebSocket from 'ws';

export interface ServerEvent {
  type: string;
  seq: number;
  [key: string]: any;
}

export interface ConnectOptions {
  email?: string | null;
  origin?: string;
  headers?: Record<string, string>;
}

/** A WebSocket client as a real one would behave, recording every event it receives. */
export class TestClient {
  readonly events: ServerEvent[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<{ pred: (e: ServerEvent) => boolean; from: number; resolve: (e: ServerEvent) => void }> = [];
  private cursor = 0;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const event = JSON.parse(data.toString()) as ServerEvent;
      this.events.push(event);
      const index = this.events.length - 1;
      this.waiters = this.waiters.filter((w) => {
        if (index >= w.from && w.pred(event)) {
          w.resolve(event);
          return false;
        }
        return true;
      });
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  send(message: object): void {
    this.ws.send(JSON.stringify(message));
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** The next event (after those already consumed by earlier `next` calls) matching `type` or a predicate. */
  async next(match: string | ((e: ServerEvent) => boolean), timeoutMs = 15_000): Promise<ServerEvent> {
    const pred = typeof match === 'string' ? (e: ServerEvent) => e.type === match : match;
    for (let i = this.cursor; i < this.events.length; i += 1) {
      if (pred(this.events[i]!)) {
        this.cursor = i + 1;
        return this.events[i]!;
      }
    }
    const from = this.events.length;
    const event = await new Promise<ServerEvent>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${typeof match === 'string' ? match : 'event'}; got ${this.events.map((e) => e.type).join(',')}`)), timeoutMs);
      this.waiters.push({ pred, from, resolve: (e) => { clearTimeout(timer); resolve(e); } });
    });
    this.cursor = this.events.indexOf(event) + 1;
    return event;
  }

  /** Sends hello and waits for ready. */
  async hello(extra: Record<string, unknown> = {}): Promise<ServerEvent> {
    this.send({ type: 'hello', v: 1, ...extra });
    return this.next('ready');
  }

  /** Events of a type received so far. */
  all(type: string): ServerEvent[] {
    return this.events.filter((e) => e.type === type);
  }

  /** Concatenated delta text for a message id. */
  textOf(messageId: string): string {
    return this.events.filter((e) => e.type === 'delta' && e.id === messageId).map((e) => e.text).join('');
  }

  close(): void {
    this.ws.close();
  }
}

/** Opens a socket; rejects with `{status, body}` when the upgrade is refused. */
export function connect(url: string, options: ConnectOptions = {}): Promise<TestClient> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.email !== null) headers['X-EMAIL-USER'] = options.email ?? 'alice@example.com';
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, ...(options.origin ? { origin: options.origin } : {}) });
    const client = new TestClient(ws);
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, body })));
    });
    ws.once('error', (err) => reject(err));
  });
}

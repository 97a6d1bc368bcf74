import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { answerChunks, type RawChunk } from './chunks.js';

/**
 * A fake OpenAI-compatible upstream for tests: a real HTTP server on 127.0.0.1, port 0, that answers
 * `POST /v1/chat/completions` from scripts the test enqueues, and records every request.
 *
 *   const upstream = await startFakeUpstream();
 *   upstream.enqueue(scriptFromChunks(answerChunks('Hi there'), { delayMs: 5 }));   // chunks.ts builds chunks
 *   // … point the model's baseURL at upstream.baseUrl, press stop …
 *   await upstream.waitForAbortOf(upstream.requests.at(-1));  // the upstream saw the connection close
 *   await upstream.close();
 *
 * Streaming requests (`"stream": true`) take scripts from `enqueue`; non-streaming ones (the startup
 * ping) take scripts from `enqueuePing`, so a boot-time ping never eats a test's stream script.
 * With an empty queue a default script answers: "Hello from fake upstream" streamed, or a tiny
 * completion for pings.
 *
 * "Aborted" means the client closed the connection before reading the whole response: before the
 * script ended, or with bytes still unread (a reset). A client that read everything and later
 * closes an idle keep-alive connection is not counted.
 */

export interface FakeStep {
  /** A JSON payload sent as `data: <json>\n\n`. */
  chunk?: RawChunk | object;
  /** Bytes written verbatim — for broken SSE, comments (`: keep-alive\n\n`), split lines, … */
  raw?: string;
  /** Wait this long before sending this step. */
  delayMs?: number;
}

export interface FakeScript {
  /** HTTP status; >= 400 answers with `errorBody` as JSON and no stream. Default 200. */
  status?: number;
  /** Error body for status >= 400. Default `{error: {message: 'fake upstream error', type: 'server_error'}}`. */
  errorBody?: object;
  /** Extra response headers (e.g. `{'retry-after-ms': '0'}` to make SDK retries instant). */
  headers?: Record<string, string>;
  /** Wait this long before sending the response headers (time to first byte). */
  delayMs?: number;
  steps?: FakeStep[];
  /** Send `data: [DONE]` after the steps. Default true. */
  done?: boolean;
  /** Never end the response after the steps (a stalled or endless stream). */
  hang?: boolean;
  /** Close the connection after the steps, without [DONE] or the HTTP end of body (a provider crashing mid-answer). */
  cut?: boolean;
  /** For a ping (non-streaming) script: the completion's text. Default 'Hi'. */
  reply?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The parsed JSON body, or the raw text when it was not JSON. */
  body: any;
  stream: boolean;
  receivedAt: number;
  /** Set when the response ended, or when the client closed the connection first. */
  endedAt?: number;
  /** True when the client closed the connection before reading the whole response (see above). */
  clientAborted: boolean;
}

export interface FakeUpstream {
  /** e.g. `http://127.0.0.1:40123/v1` — pass as the SDK's `baseURL`. */
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  /** Requests whose client closed the connection before reading the whole response. */
  readonly aborts: number;
  /** TCP connections accepted so far (keep-alive reuse keeps this below the request count). */
  readonly connections: number;
  /** Queue scripts for the next streaming requests, first in first out. */
  enqueue(...scripts: FakeScript[]): void;
  /** Queue scripts for the next non-streaming (ping) requests. */
  enqueuePing(...scripts: FakeScript[]): void;
  /** Resolves once at least `count` requests were aborted by the client; rejects after `timeoutMs`. */
  waitForAborts(count?: number, timeoutMs?: number): Promise<void>;
  /** Resolves once this request's client closed the connection early; rejects after `timeoutMs`. */
  waitForAbortOf(request: RecordedRequest | undefined, timeoutMs?: number): Promise<void>;
  /** Resolves once at least `count` requests were received; rejects after `timeoutMs`. */
  waitForRequests(count?: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_FAKE_ANSWER = 'Hello from fake upstream';

/** Turns a list of chunks into a script, with the same delay before each chunk. */
export function scriptFromChunks(chunks: object[], options: Omit<FakeScript, 'steps'> & { delayMs?: number } = {}): FakeScript {
  const { delayMs, ...rest } = options;
  return { ...rest, steps: chunks.map((chunk) => ({ chunk, delayMs })) };
}

/** One request on one connection, so a connection reset can be blamed on the request it cut. */
interface Exchange {
  /** Set once the request body has arrived. */
  recorded?: RecordedRequest;
  /** The script itself closed the connection (`cut`): not a client abort. */
  cutByScript: boolean;
}

interface Waiter {
  ready: () => boolean;
  resolve: () => void;
}

export async function startFakeUpstream(): Promise<FakeUpstream> {
  const streamQueue: FakeScript[] = [];
  const pingQueue: FakeScript[] = [];
  const requests: RecordedRequest[] = [];
  const waiters = new Set<Waiter>();
  let abortCount = 0;
  let connectionCount = 0;
  let closed = false;
  const exchangeOf = new Map<Socket, Exchange>();

  const markAborted = (exchange: Exchange) => {
    // close() cutting a hanging script is the test's own doing, not a client abort.
    if (!exchange.recorded || exchange.recorded.clientAborted || exchange.cutByScript || closed) return;
    exchange.recorded.clientAborted = true;
    abortCount += 1;
    notify();
  };

  const notify = () => {
    for (const w of waiters) {
      if (w.ready()) {
        waiters.delete(w);
        w.resolve();
      }
    }
  };

  const waitUntil = (ready: () => boolean, what: () => string, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      if (ready()) return resolve();
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`fake upstream: timed out after ${timeoutMs} ms waiting for ${what()}`));
      }, timeoutMs);
      const waiter: Waiter = { ready, resolve: () => (clearTimeout(timer), resolve()) };
      waiters.add(waiter);
    });

  const server = http.createServer((req, res) => {
    const exchange: Exchange = { cutByScript: false };
    exchangeOf.set(req.socket, exchange);
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8');
      let body: any = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // Keep the raw text: a test may want to see what a broken client sent.
      }
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: (req.url ?? '').split('?')[0] ?? '',
        headers: req.headers,
        body,
        stream: body?.stream === true,
        receivedAt: Date.now(),
        clientAborted: false,
      };
      exchange.recorded = recorded;
      requests.push(recorded);
      notify();
      void respond(exchange, recorded, res);
    });
  });

  server.on('connection', (socket: Socket) => {
    connectionCount += 1;
    socket.on('close', (hadError) => {
      const exchange = exchangeOf.get(socket);
      exchangeOf.delete(socket);
      if (!exchange) return;
      // A reset (the client closed with our bytes unread) or bytes still queued: the client left
      // before reading the whole response. An idle keep-alive connection closes cleanly instead.
      if (hadError || socket.writableLength > 0) markAborted(exchange);
    });
  });

  async function respond(exchange: Exchange, recorded: RecordedRequest, res: http.ServerResponse): Promise<void> {
    res.on('close', () => {
      recorded.endedAt ??= Date.now();
      if (!res.writableFinished) markAborted(exchange);
    });
    const gone = () => closed || res.destroyed;

    if (recorded.method === 'GET' && recorded.path.endsWith('/models')) {
      sendJson(res, 200, { object: 'list', data: [{ id: 'fake-model', object: 'model', owned_by: 'fake' }] });
      return;
    }
    if (recorded.method !== 'POST' || !recorded.path.endsWith('/chat/completions')) {
      sendJson(res, 404, { error: { message: `no route ${recorded.method} ${recorded.path}`, type: 'not_found' } });
      return;
    }

    const script = (recorded.stream ? streamQueue.shift() : pingQueue.shift()) ?? defaultScript(recorded.stream);
    if (script.delayMs) await sleep(script.delayMs);
    if (gone()) return;

    const status = script.status ?? 200;
    if (status >= 400) {
      const errorBody = script.errorBody ?? { error: { message: 'fake upstream error', type: 'server_error', code: null } };
      sendJson(res, status, errorBody, script.headers);
      return;
    }

    if (!recorded.stream) {
      if (script.hang) return;
      sendJson(res, status, completionBody(script.reply ?? 'Hi', recorded.body?.model), script.headers);
      return;
    }

    res.writeHead(status, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...script.headers });
    // Flush the headers now so the client's request resolves before the first chunk, as real providers do.
    res.flushHeaders();
    for (const step of script.steps ?? []) {
      if (step.delayMs) await sleep(step.delayMs);
      if (gone()) return;
      if (step.raw !== undefined) res.write(step.raw);
      if (step.chunk !== undefined) res.write(`data: ${JSON.stringify(step.chunk)}\n\n`);
    }
    if (gone() || script.hang) return;
    if (script.cut) {
      exchange.cutByScript = true;
      // End the TCP stream after the data but without the chunked terminator: a premature close.
      res.socket?.end();
      return;
    }
    if (script.done ?? true) res.write('data: [DONE]\n\n');
    res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    get aborts() {
      return abortCount;
    },
    get connections() {
      return connectionCount;
    },
    enqueue: (...scripts) => void streamQueue.push(...scripts),
    enqueuePing: (...scripts) => void pingQueue.push(...scripts),
    waitForAborts: (count = 1, timeoutMs = 5000) =>
      waitUntil(() => abortCount >= count, () => `${count} client abort(s), saw ${abortCount}`, timeoutMs),
    waitForAbortOf: (request, timeoutMs = 5000) => {
      if (!request) return Promise.reject(new Error('fake upstream: waitForAbortOf needs a recorded request'));
      return waitUntil(() => request.clientAborted, () => `the client to abort ${request.path}`, timeoutMs);
    },
    waitForRequests: (count = 1, timeoutMs = 5000) =>
      waitUntil(() => requests.length >= count, () => `${count} request(s), saw ${requests.length}`, timeoutMs),
    close: async () => {
      closed = true;
      // Hanging scripts keep connections open forever; cut them so close() returns.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function defaultScript(stream: boolean): FakeScript {
  return stream ? { steps: answerChunks(DEFAULT_FAKE_ANSWER).map((chunk) => ({ chunk })) } : {};
}

function completionBody(text: string, model: unknown): object {
  return {
    id: 'chatcmpl-fake-ping',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: typeof model === 'string' ? model : 'fake-model',
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  };
}

function sendJson(res: http.ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

import http from 'node:http';
import https from 'node:https';

/**
 * A `fetch` for the openai SDK built on node:http. The SDK keeps building requests, auth, retries and
 * error mapping; the streamed body is then read straight from Node's socket stream (`bodyReader`),
 * skipping undici's body and the WHATWG stream per chunk — the largest per-token cost at high
 * concurrency (docs/benchmarks.md). Anything it does not handle falls back to the global fetch.
 */

const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);
const rawBodies = new WeakMap<Response, http.IncomingMessage>();

export interface ChunkReader {
  read(): Promise<{ done: true; value?: undefined } | { done: false; value: Uint8Array }>;
}

/** The fastest way to read a response body: Node's stream when nodeFetch made it, else the web stream. */
export function bodyReader(response: Response): ChunkReader | null {
  const raw = rawBodies.get(response);
  if (raw) {
    const iterator = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    return { read: () => iterator.next() as ReturnType<ChunkReader['read']> };
  }
  return response.body ? (response.body.getReader() as ChunkReader) : null;
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

export const nodeFetch: typeof fetch = (input, init = {}) => {
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  const body = init.body;
  const agent = agents[url.protocol as keyof typeof agents];
  if (!agent || (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof Uint8Array))) {
    return fetch(input, init);
  }
  const signal = init.signal ?? undefined;
  return new Promise<Response>((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => (headers[key] = value));
    const request = (url.protocol === 'https:' ? https : http).request(url, { method: init.method ?? 'GET', headers, agent });
    // MUST abort the socket on the caller's signal for the whole exchange: stop has to reach the upstream.
    const onAbort = () => {
      // Destroyed without an error object: a socket in the middle of being released has no error
      // listener left, and an 'error' event there would be an uncaught exception. The caller learns
      // of the abort from this promise and from the body reader ending early.
      request.destroy();
      reject(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const release = () => signal?.removeEventListener('abort', onAbort);
    request.on('error', (err) => {
      release();
      reject(err);
    });
    request.on('response', (res) => {
      // Once the body has ended, a keep-alive socket goes back to the agent (and maybe to another
      // request): a later abort MUST NOT destroy it, so the abort listener goes with the body.
      res.on('end', release);
      res.on('close', release);
      // MUST have an error listener: aborting a body nobody is reading any more (the consumer left, a
      // stop) destroys it with an error, which without a listener would crash the process. Readers
      // still get the error through the stream iterator.
      res.on('error', () => undefined);
      const responseHeaders = new Headers();
      for (const [key, value] of Object.entries(res.headers)) {
        if (Array.isArray(value)) for (const v of value) responseHeaders.append(key, v);
        else if (value !== undefined) responseHeaders.set(key, value);
      }
      const code = res.statusCode ?? 502;
      const status = code >= 200 && code <= 599 ? code : 502;
      // A web body for whoever wants one (the SDK reads error bodies and non-streamed replies); it only
      // attaches to the socket stream when first read, so bodyReader can take the stream instead.
      let attached = false;
      const webBody = new ReadableStream<Uint8Array>(
        {
          pull(controller) {
            if (attached) return;
            attached = true;
            res.on('data', (chunk: Buffer) => controller.enqueue(new Uint8Array(chunk)));
            res.on('end', () => controller.close());
            res.on('error', (err) => controller.error(err));
          },
          cancel() {
            res.destroy();
          },
        },
        { highWaterMark: 0 },
      );
      const response = new Response(NULL_BODY_STATUSES.has(status) ? null : webBody, {
        status,
        statusText: res.statusMessage ?? '',
        headers: responseHeaders,
      });
      rawBodies.set(response, res);
      resolve(response);
    });
    request.end(body ?? undefined);
  });
};

import http from 'node:http';
import WebSocket from 'ws';
import { finishChunk, roleChunk, textChunk, usageChunk } from '../../tests/support/chunks.js';
import type { FakeScript, FakeStep } from '../../tests/support/fake-upstream.js';

/**
 * The load side of server-relay.ts: upstream scripts whose tokens carry the moment they were
 * written, and the three clients that read them (directly, through the minimal relay, through
 * Galaxy). The fake upstream and the clients share this process, so one clock serves both ends.
 */

/** A token's text is `~<performance.now() at write>~ `; the getter runs inside the upstream's JSON.stringify. */
function stampedChunk(): object {
  const chunk = textChunk('') as { choices: Array<Record<string, unknown>> };
  chunk.choices[0]!.delta = {
    get content() {
      return `~${performance.now().toFixed(3)}~ `;
    },
  };
  return chunk;
}

/** `tokens` stamped tokens, the first at once (time to first token), then one every `gapMs`. */
export function stampedScript(tokens: number, gapMs: number): FakeScript {
  const steps: FakeStep[] = [{ chunk: roleChunk() }];
  for (let i = 0; i < tokens; i++) steps.push({ chunk: stampedChunk(), delayMs: i === 0 ? 0 : gapMs });
  steps.push({ chunk: finishChunk() }, { chunk: usageChunk(10, tokens) });
  return { steps };
}

const STAMP = /~(\d+\.\d+)~/g;

/** One streamed answer as a client saw it. */
export interface Turn {
  sentAt: number;
  /** Per token: when the upstream wrote it and when the client had it. */
  stamps: number[];
  arrivals: number[];
  failed?: string;
}

function newTurn(): Turn {
  return { sentAt: performance.now(), stamps: [], arrivals: [] };
}

function record(turn: Turn, text: string, at: number): void {
  for (const match of text.matchAll(STAMP)) {
    turn.stamps.push(Number(match[1]));
    turn.arrivals.push(at);
  }
}

/** Time to first token; NaN when none arrived. */
export const ttft = (turn: Turn) => (turn.arrivals[0] ?? Number.NaN) - turn.sentAt;
/** Per token: how long after the upstream wrote it the client had it. */
export const tokenDelays = (turn: Turn) => turn.arrivals.map((at, i) => at - turn.stamps[i]!);
/** Gaps between consecutive tokens' arrivals (the stream's cadence as the reader sees it). */
export const arrivalGaps = (turn: Turn) => turn.arrivals.slice(1).map((at, i) => at - turn.arrivals[i]!);

const directAgent = new http.Agent({ keepAlive: true });

/** Baseline A: read the upstream's SSE stream directly, as lean as a client can. */
export function directTurn(upstreamBaseUrl: string): Promise<Turn> {
  return new Promise((resolve) => {
    const turn = newTurn();
    const body = JSON.stringify({ model: 'fake-model', stream: true, messages: [{ role: 'user', content: 'bench' }] });
    const req = http.request(`${upstreamBaseUrl}/chat/completions`, {
      method: 'POST',
      agent: directAgent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    req.on('response', (res) => {
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (text: string) => {
        const at = performance.now();
        buffer += text;
        for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
          const event = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          if (!event.startsWith('data: ') || event === 'data: [DONE]') continue;
          const piece = JSON.parse(event.slice(6)).choices?.[0]?.delta?.content;
          if (piece) record(turn, piece, at);
        }
      });
      res.on('end', () => resolve(turn));
    });
    req.on('error', (err) => resolve({ ...turn, failed: String(err) }));
    req.end(body);
  });
}

/**
 * A WebSocket client of either the minimal relay or Galaxy: one turn at a time, recording token
 * arrivals, and nothing else (no event history), so the load side stays cheap at 1,000 sockets.
 */
export class StreamSocket {
  private turn: Turn | undefined;
  private finish: ((turn: Turn) => void) | undefined;
  private onReady: ((event: any) => void) | undefined;

  private constructor(
    private readonly ws: WebSocket,
    private readonly galaxy: boolean,
  ) {
    ws.on('message', (data) => {
      const at = performance.now();
      const event = JSON.parse(data.toString());
      if (event.type === 'delta' && this.turn) record(this.turn, event.text, at);
      else if (event.type === 'ready') this.onReady?.(event);
      else if (event.type === 'message-end' || event.type === 'end') this.end(event.error ? String(event.error.code) : undefined);
      else if (event.type === 'error') this.end(`${event.code ?? ''} ${event.message ?? ''}`.trim());
    });
    ws.on('close', (code) => this.end(`socket closed (${code})`));
  }

  /** Connects as `email` (trusted from 127.0.0.1); for Galaxy also says hello and waits for ready. */
  static async open(url: string, email: string, galaxy: boolean): Promise<StreamSocket> {
    const ws = new WebSocket(url, { headers: { 'X-EMAIL-USER': email } });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
    const socket = new StreamSocket(ws, galaxy);
    if (galaxy) {
      const ready = new Promise((resolve) => (socket.onReady = resolve));
      ws.send(JSON.stringify({ type: 'hello', v: 1 }));
      await ready;
    }
    return socket;
  }

  /** Sends one user message and resolves when its answer ended (or failed). */
  run(): Promise<Turn> {
    this.turn = newTurn();
    const done = new Promise<Turn>((resolve) => (this.finish = resolve));
    this.ws.send(JSON.stringify(this.galaxy ? { type: 'send', text: 'bench' } : { type: 'go' }));
    return done;
  }

  private end(failed?: string): void {
    const turn = this.turn;
    if (!turn || !this.finish) return;
    if (failed) turn.failed = failed;
    this.turn = undefined;
    this.finish(turn);
  }

  close(): void {
    this.ws.close();
  }
}

import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { finishChunk, textChunk } from '../support/chunks.js';
import { startGalaxy, type Galaxy } from '../support/galaxy.js';
import { SseParser } from '../../static/js/net/sse-parser.js';

/**
 * A reader of the event stream that stops reading: the stream reports its unsent bytes like a
 * socket, so the session stops feeding it (and the turn stops pulling from the model) instead of
 * buffering without bound, and once the reader reads again everything arrives, exactly once.
 */

const BACKPRESSURE = 262_144;
let g: Galaxy;
beforeAll(async () => {
  g = await startGalaxy({ env: { WS_MAX_BACKPRESSURE_BYTES: String(BACKPRESSURE), MAX_RESPONSE_CHARS: '10000000', DELTA_FLUSH_MS: '16' } });
});
afterAll(async () => g?.close());

describe('event stream backpressure', () => {
  it('stops feeding a stream whose reader is stuck, then delivers the whole answer once it reads again', async () => {
    const email = 'sse-slow@example.com';
    const events: Array<{ type: string; seq: number; id?: string; text?: string }> = [];
    let framesPath = '';
    const parser = new SseParser((message) => {
      if (message.event === 'connection') framesPath = (JSON.parse(message.data) as { frames: string }).frames;
      else if (message.event === 'message') events.push(JSON.parse(message.data));
    });
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(`${g.httpUrl}/sse`, { headers: { 'X-EMAIL-USER': email } }, resolve).on('error', reject);
    });
    expect(response.statusCode).toBe(200);
    response.setEncoding('utf8');
    response.on('data', (text: string) => parser.push(text));
    await vi.waitFor(() => expect(events.map((e) => e.type)).toContain('ready'), { timeout: 15_000 });

    // The reader stops before the answer starts, so nothing can drain it in between (a fast machine
    // could otherwise read the whole answer first), and the answer (9 MB) outgrows what the kernel's
    // loopback buffers can hide, so the server's own buffer must fill.
    response.pause();
    const piece = 'x'.repeat(2048);
    const count = 4400;
    g.upstream.enqueue({ steps: [...Array.from({ length: count }, () => ({ chunk: textChunk(piece) })), { chunk: finishChunk('stop') }] });
    const post = await fetch(`${g.httpUrl}${framesPath}`, { method: 'POST', headers: { 'X-EMAIL-USER': email }, body: JSON.stringify({ type: 'send', text: 'flood me' }) });
    expect(post.status).toBe(202);

    const session = g.server.ctx.sessions.all().find((s) => s.owner === email)!;
    // Wait for the state, not the clock: on a loaded machine the buffers fill later.
    await vi.waitFor(() => expect(session.readerCongested).toBe(true), { timeout: 30_000, interval: 20 });
    const stream = session.connection!;
    expect(stream.closed).toBe(false);
    expect(stream.bufferedAmount()).toBeGreaterThan(BACKPRESSURE / 2);
    expect(stream.bufferedAmount()).toBeLessThanOrEqual(BACKPRESSURE);
    // The model is far from done: the turn waits for the reader instead of producing into memory.
    expect(session.view.entries.at(-1)!.text.length).toBeLessThan(count * piece.length);

    response.resume();
    await vi.waitFor(() => expect(events.some((e) => e.type === 'message-end')).toBe(true), { timeout: 60_000, interval: 50 });
    const start = events.find((e) => e.type === 'message-start')!;
    const text = events.filter((e) => e.type === 'delta' && e.id === start.id).map((e) => e.text).join('');
    expect(text.length).toBe(count * piece.length);
    const seqs = events.filter((e) => e.seq > 0).map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    response.destroy();
  }, 90_000);
});
